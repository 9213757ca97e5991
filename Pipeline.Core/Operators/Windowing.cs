using System.Reactive.Linq;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>
/// Cuts a stream into overlapping (or spaced) windows, channel-major, ready as model input. Window k after
/// a (re)start holds exactly frames [phase + k·hop, phase + k·hop + length) of the continuous segment, whatever the
/// chunking (the phase is 0 unless <see cref="SlidingWindowOptions.PhaseSamples"/> staggers it).
/// At a gap or backward timestamp step the buffer restarts, so no window spans a gap; the running
/// <see cref="Window.Index"/> keeps counting, and the first window after a (re)start has
/// <see cref="Window.StartsSegment"/> set. The emitted window is reused (clone it to keep it).
/// </summary>
public static class Windowing
{
    /// <summary>Sliding windows as <paramref name="options"/> describe.</summary>
    public static IObservable<Window> SlidingWindows(this IObservable<SignalChunk> source, SlidingWindowOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        if (options.LengthSamples is not null && options.HopSamples is not null) options.ResolvePhase(0, options.Resolve(0).Hop);
        return Observable.Create<Window>(observer =>
        {
            StreamDescription? description = null;
            Window? window = null;
            float[] ring = [];
            double[] times = [];
            int length = 0, hop = 0, phase = 0, pos = 0, channels = 0;
            long count = 0, nextStart = 0, index = 0;
            double period = 0, last = double.NaN;
            bool fresh = true;

            return source.Subscribe(chunk =>
            {
                if (!ReferenceEquals(chunk.Description, description))
                {
                    try
                    {
                        // Rare path: a new stream layout rebuilds the buffer and restarts the windows.
                        var d = chunk.Description;
                        if (description is null || d.ChannelCount != channels || d.NominalRate != description.NominalRate)
                        {
                            (length, hop) = options.Resolve(d.NominalRate);
                            phase = options.ResolvePhase(d.NominalRate, hop);
                            channels = d.ChannelCount;
                            ring = new float[length * Math.Max(1, channels)];
                            times = new double[length];
                            count = 0; nextStart = phase; pos = 0; last = double.NaN; fresh = true;
                            period = d.IsRegular ? 1 / d.NominalRate : double.PositiveInfinity;
                        }
                        window = new Window(d, length, options.Session);
                        description = d;
                    }
                    catch (Exception e)
                    {
                        observer.OnError(e);
                        return;
                    }
                }

                var samples = chunk.Samples;
                var ts = chunk.TimestampSpan;
                for (int f = 0; f < ts.Length; f++)
                {
                    double t = ts[f];
                    if (!double.IsNaN(last) && GapRule.IsBreak(last, t, period))
                    {
                        count = 0; nextStart = phase; pos = 0; fresh = true;
                    }
                    last = t;
                    int src = f * channels;
                    for (int c = 0; c < channels; c++) ring[c * length + pos] = samples[src + c];
                    times[pos] = t;
                    pos = pos + 1 == length ? 0 : pos + 1;
                    count++;
                    if (count - length != nextStart) continue;

                    // The ring is full and its oldest frame is at pos.
                    var w = window!;
                    var data = w.Data;
                    int head = length - pos;
                    for (int c = 0; c < channels; c++)
                    {
                        Array.Copy(ring, c * length + pos, data, c * length, head);
                        Array.Copy(ring, c * length, data, c * length + head, pos);
                    }
                    w.StartTime = times[pos];
                    w.EndTime = t;
                    w.NewestArrivalTicks = chunk.ArrivalTicks;
                    w.Index = index++;
                    w.StartsSegment = fresh;
                    fresh = false;
                    nextStart += hop;
                    observer.OnNext(w);
                }
            }, observer.OnError, observer.OnCompleted);
        });
    }
}
