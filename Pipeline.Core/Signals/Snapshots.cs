using System.Reactive.Linq;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;

namespace Pipeline.Core.Signals;

/// <summary>
/// Copies of the objects the pipeline reuses. To stay allocation-free, every operator hands on ONE instance of its
/// output (a <see cref="SignalChunk"/>, a <see cref="Window"/>, a <see cref="Prediction"/>) and overwrites it with the
/// next item, so an item is valid only during <c>OnNext</c>. Put <c>Snapshot()</c> before anything that keeps items
/// (<c>ToList</c>, <c>Buffer</c>, <c>Replay</c>), moves them to another thread (<c>ObserveOn</c>) or looks at them later.
/// Each snapshot is a new allocation: keep it off the per-window hot path of a live session.
/// </summary>
public static class Snapshots
{
    /// <summary>Each chunk as a copy that the observer owns.</summary>
    public static IObservable<SignalChunk> Snapshot(this IObservable<SignalChunk> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Select(static c => c.Clone());
    }

    /// <summary>Each window as a copy that the observer owns.</summary>
    public static IObservable<Window> Snapshot(this IObservable<Window> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Select(static w => w.Clone());
    }

    /// <summary>Each prediction as a copy that the observer owns.</summary>
    public static IObservable<Prediction> Snapshot(this IObservable<Prediction> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Select(static p => p.Clone());
    }

    /// <summary>Each source event with its chunk copied (markers and gaps are values already).</summary>
    public static IObservable<SourceEvent> Snapshot(this IObservable<SourceEvent> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Select(static e => e.Chunk is { } c ? SourceEvent.FromChunk(c.Clone()) : e);
    }

    /// <summary>Each session event with its prediction copied (commands, markers, gaps and summaries are immutable).</summary>
    public static IObservable<SessionEvent> Snapshot(this IObservable<SessionEvent> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Select(static e => e.Prediction is not { } p ? e
            : e.Kind == SessionEventKind.Trial ? SessionEvent.FromTrial(p.Clone())
            : SessionEvent.FromPrediction(p.Clone(), e.Command));
    }
}
