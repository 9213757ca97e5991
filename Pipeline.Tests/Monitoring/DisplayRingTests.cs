using CsCheck;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Monitoring;
using Pipeline.Core.Signals;
using Pipeline.Tests.Operators;

namespace Pipeline.Tests.Monitoring;

public class DisplayRingTests
{
    [Fact]
    public void A_reader_sees_every_frame_in_order_when_it_keeps_up_and_the_newest_when_it_does_not()
    {
        Gen.Select(Gen.Int[2, 40], Gen.Int[1, 4], Gen.Int[1, 50].Array[1, 30], Gen.Int[1, 64]).Sample((capacity, width, bursts, room) =>
        {
            var ring = new DisplayRing(width, capacity);
            long cursor = 0, written = 0, lastSeen = -1;
            var values = new float[room * width];
            var times = new double[room];
            var frame = new float[width];
            foreach (var burst in bursts)
            {
                for (var i = 0; i < burst; i++, written++)
                {
                    Array.Fill(frame, written);
                    ring.Append(frame, written * 0.5);
                }
                var n = ring.Read(ref cursor, values, times, out var first);
                Assert.Equal(written, cursor);
                // Everything it returns is the newest run of frames, intact and in order.
                Assert.Equal(written, first + n);
                Assert.Equal(Math.Min(written - Math.Max(lastSeen + 1, 0), Math.Min(room, capacity - 1)), n);
                for (var i = 0; i < n; i++)
                {
                    Assert.Equal((first + i) * 0.5, times[i]);
                    for (var c = 0; c < width; c++) Assert.Equal(first + i, values[i * width + c]);
                }
                if (n > 0) lastSeen = first + n - 1;
            }
        }, iter: 300);
    }

    [Fact]
    public async Task Concurrent_readers_never_see_a_torn_frame_and_the_writer_never_waits()
    {
        const int width = 16, frames = 200_000;
        var ring = new DisplayRing(width, 64);
        var done = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            long cursor = 0, last = -1, seen = 0;
            var values = new float[32 * width];
            var times = new double[32];
            while (Volatile.Read(ref done) == 0 || cursor < ring.Written)
            {
                var n = ring.Read(ref cursor, values, times, out var first);
                for (var i = 0; i < n; i++)
                {
                    Assert.True(first + i > last);
                    last = first + i;
                    Assert.Equal(first + i, (long)times[i]);
                    for (var c = 0; c < width; c++) Assert.Equal((float)((first + i) % 100_000 + c), values[i * width + c]);
                }
                seen += n;
            }
            return seen;
        })).ToArray();
        var frame = new float[width];
        for (long f = 0; f < frames; f++)
        {
            for (var c = 0; c < width; c++) frame[c] = f % 100_000 + c;
            ring.Append(frame, f);
        }
        Volatile.Write(ref done, 1);
        var seen = await Task.WhenAll(readers);
        Assert.All(seen, n => Assert.True(n > 0));
    }

    [Fact]
    public void Event_ring_keeps_the_newest_items_for_a_reader_that_fell_behind()
    {
        var ring = new EventRing<int>(8);
        long cursor = 0;
        for (var i = 0; i < 5; i++) ring.Append(i);
        Assert.Equal([0, 1, 2, 3, 4], ring.ReadNew(ref cursor));
        Assert.Empty(ring.ReadNew(ref cursor));
        for (var i = 5; i < 30; i++) ring.Append(i);
        Assert.Equal([23, 24, 25, 26, 27, 28, 29], ring.ReadNew(ref cursor));
        Assert.Equal(30, cursor);
    }

    [Fact]
    public void Scope_decimation_averages_runs_of_frames_and_times_them_at_their_last_frame()
    {
        var d = SignalBuilder.Description(2, 1000);
        var ring = new DisplayRing(2, 1000);
        var decimator = new ScopeDecimator(2, 1000, 128, ring);
        Assert.Equal(8, decimator.Factor);
        Assert.Equal(125, decimator.DisplayRate);
        var data = new float[100 * 2];
        for (var f = 0; f < 100; f++) { data[2 * f] = f; data[2 * f + 1] = -f; }
        var times = SignalBuilder.Times(100, 1000, t0: 0);
        foreach (var chunk in SignalBuilder.Chunk(d, data, times, [3, 7, 1])) decimator.Process(chunk);
        long cursor = 0;
        var values = new float[2 * 100];
        var t = new double[100];
        var n = ring.Read(ref cursor, values, t, out _);
        Assert.Equal(12, n); // 100 frames → 12 full runs of 8
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(8 * i + 3.5f, values[2 * i]);
            Assert.Equal(-(8 * i + 3.5f), values[2 * i + 1]);
            Assert.Equal(times[8 * i + 7], t[i]);
        }
        Assert.Equal(1, new ScopeDecimator(1, 100, 128, new DisplayRing(1, 4)).Factor);
    }

    [Fact]
    public void Histogram_counts_values_at_a_bound_in_that_bucket_and_finds_the_quantile_bucket()
    {
        var h = new LatencyHistogram([0.01, 0.02, 0.05]);
        foreach (var v in new[] { 0.005, 0.01, 0.015, 0.02, 0.03, 0.2, double.NaN }) h.Record(v);
        Assert.Equal([2L, 2, 1, 1], h.Counts());
        Assert.Equal(6, h.Count);
        Assert.Equal(0.28, h.Sum, 10);
        Assert.Equal(0.02, h.QuantileBucketBound(0.5));
        Assert.Equal(double.PositiveInfinity, h.QuantileBucketBound(0.99));
        Assert.True(double.IsNaN(new LatencyHistogram().QuantileBucketBound(0.5)));
        Assert.Throws<ArgumentException>(() => new LatencyHistogram([0.1, 0.1]));
    }
}
