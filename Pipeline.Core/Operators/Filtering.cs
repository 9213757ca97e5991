using System.Reactive.Linq;
using Pipeline.Core.Dsp;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>
/// Causal IIR filters (Butterworth band/high/low-pass, notch) applied per channel with state that carries
/// across chunks, as double-precision second-order sections (<see cref="SosCascade"/>). The filter is
/// designed for the stream's nominal rate when the first chunk arrives and redesigned when the description
/// changes (state restarts). Output chunks are reused.
/// </summary>
public static class Filtering
{
    /// <summary>A Butterworth band-pass between <paramref name="low"/> and <paramref name="high"/> Hz (order per edge).</summary>
    public static IObservable<SignalChunk> BandPass(this IObservable<SignalChunk> source, double low, double high, int order = 4) =>
        source.ApplyFilter(rate => SosCascade.ButterworthBandPass(low, high, rate, order));

    /// <summary>A Butterworth high-pass at <paramref name="frequency"/> Hz, e.g. 0.5 Hz to remove drift.</summary>
    public static IObservable<SignalChunk> HighPass(this IObservable<SignalChunk> source, double frequency, int order = 4) =>
        source.ApplyFilter(rate => SosCascade.ButterworthHighPass(frequency, rate, order));

    /// <summary>A Butterworth low-pass at <paramref name="frequency"/> Hz.</summary>
    public static IObservable<SignalChunk> LowPass(this IObservable<SignalChunk> source, double frequency, int order = 4) =>
        source.ApplyFilter(rate => SosCascade.ButterworthLowPass(frequency, rate, order));

    /// <summary>A notch at <paramref name="frequency"/> Hz (mains: 50 or 60) with quality factor <paramref name="q"/>.</summary>
    public static IObservable<SignalChunk> Notch(this IObservable<SignalChunk> source, double frequency, double q = 30) =>
        source.ApplyFilter(rate => SosCascade.Notch(frequency, rate, q));

    /// <summary>
    /// Applies the cascade that <paramref name="design"/> makes for the stream's nominal rate. A design error
    /// (a frequency above Nyquist) ends the stream with a <see cref="PipelineException"/>.
    /// </summary>
    public static IObservable<SignalChunk> ApplyFilter(this IObservable<SignalChunk> source, Func<double, SosCascade> design)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(design);
        return Observable.Create<SignalChunk>(observer =>
        {
            StreamDescription? description = null;
            SosCascade? cascade = null;
            double[] state = [];
            SignalChunk? output = null;
            return source.Subscribe(chunk =>
            {
                try
                {
                    if (!ReferenceEquals(chunk.Description, description))
                    {
                        // Rare path: redesign only when what the filter depends on changed.
                        if (description is null || description.NominalRate != chunk.Description.NominalRate
                            || description.ChannelCount != chunk.Description.ChannelCount)
                        {
                            cascade = design(chunk.Description.NominalRate);
                            state = cascade.CreateState(chunk.Channels);
                        }
                        description = chunk.Description;
                    }
                    output ??= new SignalChunk(chunk.Description, Math.Max(1, chunk.Frames));
                    output.Reset(chunk.Description, chunk.Frames);
                    cascade!.Process(chunk.Samples, output.Samples, chunk.Channels, state);
                    chunk.TimestampSpan.CopyTo(output.TimestampSpan);
                    output.ArrivalTicks = chunk.ArrivalTicks;
                }
                catch (Exception e)
                {
                    observer.OnError(e);
                    return;
                }
                observer.OnNext(output);
            }, observer.OnError, observer.OnCompleted);
        });
    }
}
