using System.Reactive.Subjects;
using CsCheck;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Operators;

public class EpochsTests
{
    private const double Rate = 100;
    private const double T0 = 1000;

    // Single channel whose value is the frame index, so an epoch's first value names its first frame.
    private static (StreamDescription D, float[] Data, double[] Times) Ramp(int frames, int gapAt = -1)
    {
        var d = SignalBuilder.Description(2, Rate);
        var data = new float[frames * 2];
        var times = new double[frames];
        for (int f = 0; f < frames; f++)
        {
            data[f * 2] = f;
            data[f * 2 + 1] = -f;
            times[f] = T0 + f / Rate + (gapAt >= 0 && f >= gapAt ? 1.0 : 0);
        }
        return (d, data, times);
    }

    private static List<Window> Run(List<SignalChunk> chunks, IReadOnlyList<Marker> markers, EpochOptions options, int markersAfterChunk)
    {
        var data = new Subject<SignalChunk>();
        var events = new Subject<Marker>();
        var result = new List<Window>();
        using var sub = data.EventLockedEpochs(events, options).Subscribe(w => result.Add(w.Clone()));
        // Markers are pushed after chunk number markersAfterChunk (-1 = before any data).
        if (markersAfterChunk < 0) foreach (var m in markers) events.OnNext(m);
        for (int i = 0; i < chunks.Count; i++)
        {
            data.OnNext(chunks[i]);
            if (i == markersAfterChunk) foreach (var m in markers) events.OnNext(m);
        }
        data.OnCompleted();
        return result;
    }

    [Fact]
    public void Epochs_are_exact_whatever_the_order_of_markers_and_data()
    {
        var (d, data, times) = Ramp(1000);
        var markers = new[] { new Marker(T0 + 2.003, "T1"), new Marker(T0 + 4.5, "T2"), new Marker(T0 + 5, "T0"), new Marker(T0 + 7.25, "T1") };
        var options = new EpochOptions { TMin = -0.5, TMax = 1.5, Labels = ["T1", "T2"], Session = "e" };
        Gen.Select(Gen.Int[1, 250].Array[1, 5], Gen.Int[-1, 12]).Sample((sizes, after) =>
        {
            var chunks = SignalBuilder.Chunk(d, data, times, sizes);
            var stats = new EpochStatistics();
            var epochs = Run(chunks, markers, options with { Statistics = stats }, Math.Min(after, chunks.Count - 1));
            Assert.Equal(3, epochs.Count);
            Assert.Equal(1, stats.Ignored);
            // First sample at or after marker + tmin: 2.003 - 0.5 = 1.503 s -> frame 151; 4.0 s -> 400; 6.75 s -> 675.
            var firstFrames = epochs.OrderBy(e => e.StartTime).Select(e => (int)e.Data[0]).ToArray();
            Assert.Equal([151, 400, 675], firstFrames);
            foreach (var e in epochs)
            {
                Assert.Equal(200, e.Samples);
                int first = (int)e.Data[0];
                Assert.Equal(Enumerable.Range(first, 200).Select(i => (float)i), e.Channel(0).ToArray());
                Assert.Equal(Enumerable.Range(first, 200).Select(i => (float)-i), e.Channel(1).ToArray());
                Assert.Equal(times[first], e.StartTime);
                Assert.Equal(times[first + 199], e.EndTime);
                Assert.Equal("e", e.Session);
            }
            Assert.Equal(["T1", "T2", "T1"], epochs.OrderBy(e => e.StartTime).Select(e => e.Label));
        }, iter: 60);
    }

    [Fact]
    public void Epochs_touching_a_gap_or_the_ends_are_skipped_and_counted()
    {
        var (d, data, times) = Ramp(1000, gapAt: 500);
        var markers = new[]
        {
            new Marker(T0 + 0.1, "x"),  // starts before the data
            new Marker(T0 + 2, "x"),    // fine
            new Marker(T0 + 4.8, "x"),  // spans the gap
            new Marker(T0 + 5.5, "x"),  // starts inside the gap (data resumes at 6.0 s)
            new Marker(T0 + 7, "x"),    // fine (after the gap)
            new Marker(T0 + 10.8, "x"), // runs past the end
        };
        var stats = new EpochStatistics();
        var epochs = Run(SignalBuilder.Chunk(d, data, times, [33]), markers, new EpochOptions { TMin = -0.2, TMax = 0.8, Statistics = stats }, -1);
        Assert.Equal([180, 580], epochs.Select(e => (int)e.Data[0]));
        Assert.Equal([0L, 1L], epochs.Select(e => e.Index));
        Assert.Equal(2, stats.Emitted);
        Assert.Equal(2, stats.SkippedGap);
        Assert.Equal(1, stats.SkippedOutOfRange);
        Assert.Equal(1, stats.SkippedOffEnd);
    }

    [Fact]
    public void Marker_on_a_sample_starts_the_epoch_at_that_sample()
    {
        var (d, data, times) = Ramp(2000);
        // Timestamps computed as t0 + i/rate carry rounding; markers on exact sample times must not slip a frame.
        foreach (var offset in new[] { 0.5, 0.37, 0.13, 0.71, 0.29 })
        {
            var markers = Enumerable.Range(1, 150).Select(i => new Marker(T0 + (i * 10 + 3) / Rate + offset + (i % 2 == 0 ? 1e-9 : -1e-9), "m")).ToList();
            var epochs = Run(SignalBuilder.Chunk(d, data, times, [64]), markers, new EpochOptions { TMin = -offset, TMax = 0.6 - offset }, -1);
            Assert.Equal(markers.Select((_, i) => (float)((i + 1) * 10 + 3)), epochs.Select(e => e.Data[0]));
            Assert.All(epochs, e => Assert.Equal(60, e.Samples));
        }
    }

    [Fact]
    public void Late_marker_beyond_history_is_counted_out_of_range()
    {
        var (d, data, times) = Ramp(1000);
        var stats = new EpochStatistics();
        var options = new EpochOptions { TMin = 0, TMax = 0.5, HistorySeconds = 1, Statistics = stats };
        var epochs = Run(SignalBuilder.Chunk(d, data, times, [50]), [new Marker(T0 + 1, "a"), new Marker(T0 + 8.5, "b")], options, 19);
        Assert.Equal(["b"], epochs.Select(e => e.Label));
        Assert.Equal(1, stats.SkippedOutOfRange);
    }

    [Fact]
    public void Offline_extract_matches_streaming()
    {
        var (d, data, times) = Ramp(1000);
        var markers = new[] { new Marker(T0 + 1, "a"), new Marker(T0 + 3.337, "b") };
        var options = new EpochOptions { TMin = 0.1, TMax = 0.6 };
        var whole = new SignalChunk(d, data, times, 1000, 0);
        var offline = Epochs.Extract(whole, markers, options);
        var streamed = Run(SignalBuilder.Chunk(d, data, times, [17]), markers, options, 3);
        Assert.Equal(streamed.Select(w => w.Data), offline.Select(w => w.Data));
        Assert.Equal(streamed.Select(w => w.StartTime), offline.Select(w => w.StartTime));
    }

    [Fact]
    public void Empty_epoch_is_a_pipeline_error() =>
        Assert.Throws<PipelineException>(() => new Subject<SignalChunk>().EventLockedEpochs(new Subject<Marker>(), new EpochOptions { TMin = 1, TMax = 0 }));
}
