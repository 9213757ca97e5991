using System.Reactive.Linq;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>
/// Finds holes in regular streams: a timestamp step above 1.5 nominal periods, inside a chunk or across
/// chunks, is a <see cref="Gap"/> with the frames the nominal rate says are missing. A backward step (clock
/// reset) is reported as a gap with a negative <see cref="Gap.Duration"/> and 0 missing frames. Nothing is
/// interpolated; streams without a nominal rate are never checked.
/// </summary>
public static class GapDetection
{
    /// <summary>Passes every chunk through unchanged (same instance) and calls <paramref name="onGap"/> for each gap, before the chunk that holds its far side.</summary>
    public static IObservable<SignalChunk> DetectGaps(this IObservable<SignalChunk> source, Action<Gap> onGap)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(onGap);
        return Observable.Create<SignalChunk>(observer =>
        {
            double last = double.NaN;
            return source.Subscribe(chunk =>
            {
                last = Scan(chunk, last, onGap);
                observer.OnNext(chunk);
            }, observer.OnError, observer.OnCompleted);
        });
    }

    /// <summary>The gaps of the stream, as a stream.</summary>
    public static IObservable<Gap> Gaps(this IObservable<SignalChunk> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Observable.Create<Gap>(observer =>
        {
            double last = double.NaN;
            Action<Gap> emit = observer.OnNext;
            return source.Subscribe(chunk => last = Scan(chunk, last, emit), observer.OnError, observer.OnCompleted);
        });
    }

    /// <summary>Missing frames between two frames <paramref name="before"/> and <paramref name="after"/> seconds apart at <paramref name="rate"/> Hz (0 for a backward step).</summary>
    public static long MissingFrames(double before, double after, double rate) =>
        after <= before ? 0 : Math.Max(0, (long)Math.Round((after - before) * rate) - 1);

    private static double Scan(SignalChunk chunk, double last, Action<Gap> onGap)
    {
        var d = chunk.Description;
        var ts = chunk.TimestampSpan;
        if (!d.IsRegular || ts.Length == 0) return ts.Length == 0 ? last : ts[^1];
        double period = 1 / d.NominalRate;
        for (int i = 0; i < ts.Length; i++)
        {
            if (!double.IsNaN(last) && GapRule.IsBreak(last, ts[i], period))
                onGap(new Gap(d.Name, last, ts[i], MissingFrames(last, ts[i], d.NominalRate)));
            last = ts[i];
        }
        return last;
    }
}
