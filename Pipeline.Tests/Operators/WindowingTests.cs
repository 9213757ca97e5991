using CsCheck;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Operators;

public class WindowingTests
{
    private const double Rate = 100;

    // Value of frame f in channel c: encodes both, so any misplaced, dropped or repeated frame shows.
    private static float Value(int f, int c) => f * 4 + c;

    private sealed record Case(int Channels, int Length, int Hop, int Phase, int[] Sizes, int Frames, int[] GapsAt);

    private static readonly Gen<Case> Cases =
        from channels in Gen.Int[1, 3]
        from length in Gen.Int[1, 40]
        from hop in Gen.Int[1, 60]
        from phase in Gen.Int[-hop, 2 * hop] // a third without a phase; beyond one hop it is taken modulo the hop
        from sizes in Gen.Int[1, 3 * length].Array[1, 8]
        from frames in Gen.Int[0, 400]
        from gaps in Gen.Int[1, 399].Array[0, 4]
        select new Case(channels, length, hop, Math.Max(0, phase), sizes, frames, gaps.Where(g => g < frames).Distinct().OrderBy(g => g).ToArray());

    // Frame timestamps: regular, with a jump of 5 periods before each frame listed in gapsAt.
    private static double[] TimesWithGaps(int frames, int[] gapsAt)
    {
        var times = new double[frames];
        double t = 50;
        for (int f = 0; f < frames; f++)
        {
            if (f > 0) t += Array.IndexOf(gapsAt, f) >= 0 ? 5 / Rate : 1 / Rate;
            times[f] = t;
        }
        return times;
    }

    private static List<Window> Run(IEnumerable<SignalChunk> chunks, SlidingWindowOptions options)
    {
        var subject = new System.Reactive.Subjects.Subject<SignalChunk>();
        var windows = new List<Window>();
        using var sub = subject.SlidingWindows(options).Subscribe(w => windows.Add(w.Clone()));
        foreach (var ch in chunks) subject.OnNext(ch);
        return windows;
    }

    [Fact]
    public void Every_window_holds_exactly_its_frames_for_any_chunking_gaps_and_phase()
    {
        Cases.Sample(k =>
        {
            var d = SignalBuilder.Description(k.Channels, Rate);
            var data = new float[k.Frames * k.Channels];
            for (int f = 0; f < k.Frames; f++)
                for (int c = 0; c < k.Channels; c++) data[f * k.Channels + c] = Value(f, c);
            var times = TimesWithGaps(k.Frames, k.GapsAt);
            var windows = Run(SignalBuilder.Chunk(d, data, times, k.Sizes),
                new SlidingWindowOptions { LengthSamples = k.Length, HopSamples = k.Hop, PhaseSamples = k.Phase, Session = "s1" });

            // Expected: within each continuous segment, windows start at segment start + phase (modulo the hop) + j*hop.
            var expectedStarts = new List<int>();
            var bounds = new[] { 0 }.Concat(k.GapsAt).Concat([k.Frames]).ToArray();
            for (int s = 0; s + 1 < bounds.Length; s++)
                for (int start = bounds[s] + k.Phase % k.Hop; start + k.Length <= bounds[s + 1]; start += k.Hop)
                    expectedStarts.Add(start);

            Assert.Equal(expectedStarts.Count, windows.Count);
            for (int i = 0; i < windows.Count; i++)
            {
                var w = windows[i];
                int start = expectedStarts[i];
                Assert.Equal(i, w.Index);
                Assert.Equal("s1", w.Session);
                Assert.Equal(times[start], w.StartTime);
                Assert.Equal(times[start + k.Length - 1], w.EndTime);
                for (int c = 0; c < k.Channels; c++)
                    for (int j = 0; j < k.Length; j++)
                        Assert.Equal(Value(start + j, c), w.Data[c * k.Length + j]);
            }
        }, iter: 300);
    }

    [Fact]
    public void Newest_arrival_is_that_of_the_completing_chunk()
    {
        var d = SignalBuilder.Description(1, Rate);
        var chunks = SignalBuilder.Chunk(d, new float[100], SignalBuilder.Times(100, Rate), [7]);
        var windows = Run(chunks, new SlidingWindowOptions { LengthSamples = 20, HopSamples = 10 });
        // The chunker stamps each chunk's arrival with the frame count up to its end.
        foreach (var w in windows)
        {
            int lastFrame = (int)Math.Round((w.EndTime - 1000) * Rate);
            Assert.Equal((lastFrame / 7 + 1) * 7 > 100 ? 100 : (lastFrame / 7 + 1) * 7, w.NewestArrivalTicks);
        }
        Assert.Equal(9, windows.Count);
    }

    [Fact]
    public void Seconds_are_rounded_to_samples_at_the_stream_rate()
    {
        var d = SignalBuilder.Description(1, 160);
        var chunks = SignalBuilder.Chunk(d, new float[800], SignalBuilder.Times(800, 160), [50]);
        var windows = Run(chunks, new SlidingWindowOptions { LengthSeconds = 2, HopSeconds = 0.5 });
        Assert.All(windows, w => Assert.Equal(320, w.Samples));
        Assert.Equal((800 - 320) / 80 + 1, windows.Count);
    }

    [Fact]
    public void A_phase_in_seconds_delays_every_window_by_the_same_samples_and_keeps_the_hop()
    {
        var d = SignalBuilder.Description(1, 200);
        var data = Enumerable.Range(0, 2000).Select(f => (float)f).ToArray();
        List<Window> Cut(double? phase) => Run(SignalBuilder.Chunk(d, data, SignalBuilder.Times(2000, 200), [8]),
            new SlidingWindowOptions { LengthSeconds = 4, HopSeconds = 0.25, PhaseSeconds = phase });
        var plain = Cut(null);
        var staggered = Cut(0.1); // 20 samples
        Assert.Equal(plain.Count - 1, staggered.Count); // the last hop no longer fits
        for (var i = 0; i < staggered.Count; i++)
        {
            Assert.Equal(plain[i].Data[0] + 20, staggered[i].Data[0]);
            Assert.Equal(plain[i].EndTime + 0.1, staggered[i].EndTime, 9);
            Assert.Equal(plain[i].Samples, staggered[i].Samples);
        }
        Assert.All(staggered.Zip(staggered.Skip(1)), p => Assert.Equal(0.25, p.Second.EndTime - p.First.EndTime, 9));
    }

    [Fact]
    public void A_negative_phase_is_a_pipeline_error()
    {
        var d = SignalBuilder.Description(1, 160);
        var subject = new System.Reactive.Subjects.Subject<SignalChunk>();
        Exception? error = null;
        using var sub = subject.SlidingWindows(new SlidingWindowOptions { LengthSamples = 8, HopSeconds = 0.1, PhaseSeconds = -0.05 }).Subscribe(_ => { }, e => error = e);
        subject.OnNext(SignalBuilder.Chunk(d, new float[10], SignalBuilder.Times(10, 160), [10])[0]);
        Assert.Contains("phase", Assert.IsType<PipelineException>(error).Message);
    }

    [Fact]
    public void Missing_length_is_a_pipeline_error()
    {
        var d = SignalBuilder.Description(1, 160);
        var subject = new System.Reactive.Subjects.Subject<SignalChunk>();
        Exception? error = null;
        using var sub = subject.SlidingWindows(new SlidingWindowOptions { HopSamples = 4 }).Subscribe(_ => { }, e => error = e);
        subject.OnNext(SignalBuilder.Chunk(d, new float[10], SignalBuilder.Times(10, 160), [10])[0]);
        Assert.IsType<PipelineException>(error);
    }
}
