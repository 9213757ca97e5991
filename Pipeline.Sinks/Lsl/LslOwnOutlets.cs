using System.Collections;
using System.Collections.Concurrent;
using Pipeline.Lsl;

namespace Pipeline.Sinks.Lsl;

/// <summary>
/// The uids of the LSL outlets this process's sinks publish (commands, predictions), while they are open. A session
/// that resolves its inputs passes <see cref="Uids"/> as exclusions, so it never takes its own output (or another
/// session's in the same service) as its signal or its cues: a command stream of type Markers would otherwise answer a
/// <c>type=Markers</c> query and the session would score its commands against themselves.
/// </summary>
/// <remarks>
/// The collection is live, not a snapshot: a session that started resolving before another session of the process
/// opened its outlet still refuses that outlet when it answers, when the source connects, and when it reconnects.
/// An outlet's uid is listed before the outlet answers any query (<see cref="Announcing"/>).
/// </remarks>
public static class LslOwnOutlets
{
    private static readonly ConcurrentDictionary<string, byte> Open = new();

    /// <summary>The uids of the sink outlets open now: a live view (each lookup or enumeration sees the outlets open then).</summary>
    public static IReadOnlyCollection<string> Uids { get; } = new LiveView();

    /// <summary>True when <paramref name="uid"/> is one of this process's sink outlets, open now.</summary>
    public static bool IsOwn(string uid) => Open.ContainsKey(uid);

    /// <summary>
    /// True for a command or prediction stream that a pipeline program publishes with its default source id
    /// (<c>pipeline-commands-…</c>, <c>pipeline-predictions-…</c>): another process's output, worth a note when a
    /// session takes it as an input (a broad query such as <c>type=Markers</c> matches it).
    /// </summary>
    public static bool IsPipelineOutput(StreamInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.SourceId.StartsWith(LslCommandSink.SourceIdPrefix, StringComparison.Ordinal)
            || info.SourceId.StartsWith(LslPredictionSink.SourceIdPrefix, StringComparison.Ordinal);
    }

    /// <summary>The callback a sink gives its <see cref="StreamOutlet"/>: lists the uid before the outlet can answer anyone.</summary>
    internal static void Announcing(StreamInfo info) => Add(info.Uid);

    internal static void Add(string uid) => Open.TryAdd(uid, 0);

    internal static void Remove(string uid) => Open.TryRemove(uid, out _);

    // ICollection<string>.Contains makes LINQ's Contains a dictionary lookup instead of a walk over a copy.
    private sealed class LiveView : IReadOnlyCollection<string>, ICollection<string>
    {
        public int Count => Open.Count;
        public bool IsReadOnly => true;
        public bool Contains(string item) => item is not null && Open.ContainsKey(item);
        public IEnumerator<string> GetEnumerator() => Open.Keys.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public void CopyTo(string[] array, int arrayIndex) => Open.Keys.CopyTo(array, arrayIndex);
        public void Add(string item) => throw new NotSupportedException();
        public void Clear() => throw new NotSupportedException();
        public bool Remove(string item) => throw new NotSupportedException();
    }
}
