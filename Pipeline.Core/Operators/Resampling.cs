using System.Reactive.Linq;
using Pipeline.Core.Dsp;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>
/// Rational resampling with an anti-aliasing polyphase FIR (<see cref="PolyphaseResampler"/>); the output
/// description carries the new nominal rate, and output timestamps compensate the filter's group delay.
/// </summary>
public static class Resampling
{
    /// <summary>Resamples by <paramref name="up"/>/<paramref name="down"/> (reduced by their gcd).</summary>
    public static IObservable<SignalChunk> Resample(this IObservable<SignalChunk> source, int up, int down)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (up < 1 || down < 1) throw new PipelineException($"The resampling ratio {up}/{down} is invalid; give positive integers.");
        return source.Resample(_ => (up, down), passThroughAtOne: false);
    }

    /// <summary>
    /// Resamples to <paramref name="targetRate"/> Hz. Both rates must be whole numbers of Hz (so the ratio is
    /// rational); otherwise use <see cref="Resample(IObservable{SignalChunk}, int, int)"/>. A stream already at the
    /// target rate passes through unchanged (no filter runs over it).
    /// </summary>
    public static IObservable<SignalChunk> Resample(this IObservable<SignalChunk> source, double targetRate)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!(targetRate > 0)) throw new PipelineException($"The target rate {targetRate} Hz is not positive; give a rate in Hz.");
        return source.Resample(rate => Math.Abs(rate - targetRate) <= 1e-9 ? (1, 1) : Ratio(rate, targetRate), passThroughAtOne: true);
    }

    /// <summary>The reduced ratio up/down that takes <paramref name="sourceRate"/> to <paramref name="targetRate"/>.</summary>
    public static (int Up, int Down) Ratio(double sourceRate, double targetRate)
    {
        static bool Whole(double r) => r > 0 && Math.Abs(r - Math.Round(r)) < 1e-9 && r < int.MaxValue;
        if (!Whole(sourceRate) || !Whole(targetRate))
            throw new PipelineException($"Resampling {sourceRate} Hz to {targetRate} Hz needs whole-number rates; give the ratio as up/down instead.");
        long a = (long)Math.Round(targetRate), b = (long)Math.Round(sourceRate);
        long g = a, h = b;
        while (h != 0) (g, h) = (h, g % h);
        return ((int)(a / g), (int)(b / g));
    }

    private static IObservable<SignalChunk> Resample(this IObservable<SignalChunk> source, Func<double, (int Up, int Down)> ratio, bool passThroughAtOne) =>
        Observable.Create<SignalChunk>(observer =>
        {
            StreamDescription? inDescription = null;
            StreamDescription? outDescription = null;
            PolyphaseResampler? resampler = null;
            SignalChunk? output = null;
            var passThrough = false;
            return source.Subscribe(chunk =>
            {
                SignalChunk emit;
                try
                {
                    if (!ReferenceEquals(chunk.Description, inDescription))
                    {
                        if (inDescription is null || inDescription.NominalRate != chunk.Description.NominalRate
                            || inDescription.ChannelCount != chunk.Description.ChannelCount)
                        {
                            var (up, down) = ratio(chunk.Description.NominalRate);
                            passThrough = passThroughAtOne && up == down;
                            resampler = passThrough ? null : new PolyphaseResampler(up, down, chunk.Channels, chunk.Description.NominalRate);
                        }
                        outDescription = passThrough ? chunk.Description : chunk.Description.WithRate(resampler!.OutputRate);
                        inDescription = chunk.Description;
                    }
                    if (passThrough)
                    {
                        emit = chunk;
                    }
                    else
                    {
                        int capacity = resampler!.MaxOutputFrames(chunk.Frames);
                        output ??= new SignalChunk(outDescription!, capacity);
                        output.Reset(outDescription!, Math.Max(output.CapacityFrames, capacity));
                        int produced = resampler.Process(chunk.Samples, chunk.TimestampSpan, chunk.Frames, output.Data, output.Timestamps);
                        output.Reset(outDescription!, produced);
                        output.ArrivalTicks = chunk.ArrivalTicks;
                        emit = output;
                    }
                }
                catch (Exception e)
                {
                    observer.OnError(e);
                    return;
                }
                // Chunks too short to complete an output frame produce nothing downstream.
                if (emit.Frames > 0) observer.OnNext(emit);
            }, observer.OnError, observer.OnCompleted);
        });
}
