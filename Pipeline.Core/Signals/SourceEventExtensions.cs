using System.Reactive.Linq;

namespace Pipeline.Core.Signals;

/// <summary>Views of a source's combined event stream, and the merge of two sources into one.</summary>
/// <remarks>
/// Each view subscribes to its source on its own; on a cold source (simulator, replay) that is a separate run.
/// To take several views from ONE run, publish it first:
/// <code>
/// var run = new SimulatorSource(options).Publish();
/// run.Chunks().Subscribe(chunks);
/// run.Markers().Subscribe(markers);
/// using var connection = run.Connect();   // starts the one run after both are subscribed
/// </code>
/// </remarks>
public static class SourceEventExtensions
{
    /// <summary>The chunks of the run (reused instances: valid only during <c>OnNext</c>).</summary>
    public static IObservable<SignalChunk> Chunks(this IObservable<SourceEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return events.Where(static e => e.IsChunk).Select(static e => e.Chunk!);
    }

    /// <summary>The markers of the run.</summary>
    public static IObservable<Marker> Markers(this IObservable<SourceEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return events.Where(static e => e.IsMarker).Select(static e => e.Marker);
    }

    /// <summary>The gaps the source itself reported (outages and recoveries; not the gaps found from timestamps).</summary>
    public static IObservable<Gap> SourceGaps(this IObservable<SourceEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return events.Where(static e => e.IsGap).Select(static e => e.Gap);
    }

    /// <summary>
    /// One event stream from a signal source and a second source whose markers (cues) belong to it, e.g. an EEG
    /// stream and a marker stream of two LSL outlets. Both start when the result is subscribed; their events are
    /// handed on one at a time (never concurrently), each source's in its own order; chunks of the second source are
    /// left out. It completes when both have completed and fails when either fails.
    /// </summary>
    public static IObservable<SourceEvent> WithMarkersFrom(this IObservable<SourceEvent> signal, IObservable<SourceEvent>? markers)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (markers is null) return signal;
        // Merge serialises its output (one lock per event), so the two reading threads never overlap downstream.
        return signal.Merge(markers.Where(static e => !e.IsChunk));
    }
}
