using System.Reactive.Linq;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Quality;

/// <summary>The channel-quality check as an operator on a chunk stream.</summary>
public static class QualityMeasurement
{
    /// <summary>
    /// Passes every chunk through unchanged (the same instance) after <paramref name="monitor"/> has measured it. Put it
    /// before band-pass and notch: they remove the drift and the mains hum that the check looks for.
    /// </summary>
    public static IObservable<SignalChunk> MeasureQuality(this IObservable<SignalChunk> source, SignalQualityMonitor monitor)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(monitor);
        return source.Do(monitor.Process);
    }
}
