using System.Reactive.Linq;

namespace Pipeline.Core.Signals;

/// <summary>Views of a source's combined event stream as the chunk and marker streams a pipeline takes.</summary>
/// <remarks>
/// Each view subscribes to its source on its own; on a cold source (simulator, replay) that is a separate run.
/// To take both views from ONE run, publish it first:
/// <code>
/// var run = new SimulatorSource(options).Publish();
/// run.Chunks().Subscribe(session.Chunks);
/// run.Markers().Subscribe(session.Markers);
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
        return events.Where(static e => !e.IsChunk).Select(static e => e.Marker);
    }
}
