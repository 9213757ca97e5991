using Pipeline.Lsl;

namespace Pipeline.Sources.Lsl;

/// <summary>Which LSL stream to open and how to read it. Set at least one of name, type, source id or predicate.</summary>
/// <param name="Name">The stream name to match, or null.</param>
/// <param name="Type">The stream type to match (e.g. <c>EEG</c>), or null.</param>
/// <param name="SourceId">The source id to match, or null.</param>
/// <param name="Predicate">An extra XPath predicate over the stream info, or null.</param>
/// <param name="ResolveTimeout">Seconds to look for the stream before giving up.</param>
/// <param name="ChunkFrames">Frames per emitted chunk at most.</param>
/// <param name="Config">LSL network configuration (default: the process's lsl_api.cfg).</param>
/// <param name="Exclude">Uids of streams never to take, although they match: the session's own outlets (its commands
/// are a marker stream too), so it cannot read its output as its input.</param>
public sealed record LslSourceOptions(string? Name = null, string? Type = null, string? SourceId = null, string? Predicate = null,
    double ResolveTimeout = 10, int ChunkFrames = 32, LslConfig? Config = null, IReadOnlyCollection<string>? Exclude = null)
{
    /// <summary>The query sent to the network: <see cref="Query"/> and none of the <see cref="Exclude"/>d uids.</summary>
    public string ResolveQuery()
    {
        var query = Query();
        if (Exclude is not { Count: > 0 } || query.Length == 0) return query;
        return $"({query})" + string.Concat(Exclude.Select(uid => $" and not({StreamResolver.PropertyQuery("uid", uid)})"));
    }

    /// <summary>The LSL query these options describe (without the session term).</summary>
    public string Query()
    {
        var terms = new List<string>();
        if (!string.IsNullOrEmpty(Name)) terms.Add(StreamResolver.PropertyQuery("name", Name));
        if (!string.IsNullOrEmpty(Type)) terms.Add(StreamResolver.PropertyQuery("type", Type));
        if (!string.IsNullOrEmpty(SourceId)) terms.Add(StreamResolver.PropertyQuery("source_id", SourceId));
        if (!string.IsNullOrEmpty(Predicate)) terms.Add(Predicate);
        return string.Join(" and ", terms);
    }
}
