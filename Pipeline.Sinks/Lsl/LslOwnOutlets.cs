using System.Collections.Concurrent;

namespace Pipeline.Sinks.Lsl;

/// <summary>
/// The uids of the LSL outlets this process's sinks publish (commands, predictions), while they are open. A session
/// that resolves its inputs passes them as exclusions, so it never takes its own output (or another session's in the
/// same service) as its signal or its cues: a command stream of type Markers would otherwise answer a
/// <c>type=Markers</c> query and the session would score its commands against themselves.
/// </summary>
public static class LslOwnOutlets
{
    private static readonly ConcurrentDictionary<string, byte> Open = new();

    /// <summary>The uids of the sink outlets open now.</summary>
    public static IReadOnlyCollection<string> Uids => [.. Open.Keys];

    internal static void Add(string uid) => Open.TryAdd(uid, 0);

    internal static void Remove(string uid) => Open.TryRemove(uid, out _);
}
