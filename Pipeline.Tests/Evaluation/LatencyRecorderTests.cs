using System.Diagnostics;
using CsCheck;
using Pipeline.Core.Evaluation;

namespace Pipeline.Tests.Evaluation;

/// <summary>The fixed ring of recent latencies and its quantiles.</summary>
public sealed class LatencyRecorderTests
{
    [Fact]
    public void Quantiles_of_the_kept_values_match_a_sorted_reference_and_the_ring_keeps_the_newest()
    {
        Gen.Int[1, 50].SelectMany(cap => Gen.Double[0, 1000].Array[1, 200].Select(v => (cap, v))).Sample(c =>
        {
            var (capacity, values) = c;
            var recorder = new LatencyRecorder(capacity);
            foreach (var v in values) recorder.Add(v);
            var kept = values.Skip(Math.Max(0, values.Length - capacity)).ToArray();
            Assert.Equal(values.Length, recorder.Count);
            Assert.Equal(kept, recorder.Values());
            var sorted = kept.Order().ToArray();
            foreach (var q in new[] { 0, 0.5, 0.99, 1 })
            {
                var pos = q * (sorted.Length - 1);
                var lo = (int)Math.Floor(pos);
                var expected = sorted[lo] + (pos - lo) * (sorted[Math.Min(lo + 1, sorted.Length - 1)] - sorted[lo]);
                Assert.Equal(expected, recorder.Quantile(q), 9);
            }
            Assert.Equal(sorted[0], recorder.Quantile(-1));
            Assert.Equal(sorted[^1], recorder.Quantile(2));
        });
    }

    [Fact]
    public void Empty_means_nan_clear_forgets_and_since_ignores_unset_ticks()
    {
        var recorder = new LatencyRecorder(4);
        Assert.True(double.IsNaN(recorder.Quantile(0.5)));
        Assert.True(double.IsNaN(LatencyRecorder.QuantileOfSorted([], 0.5)));
        recorder.AddSince(0); // no arrival time: nothing to measure
        Assert.Equal(0, recorder.Count);
        recorder.AddSince(Stopwatch.GetTimestamp() - Stopwatch.Frequency); // one second ago
        Assert.InRange(recorder.Quantile(0.5), 1000, 60_000);
        recorder.Clear();
        Assert.Equal(0, recorder.Count);
        Assert.Empty(recorder.Values());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyRecorder(0));
    }
}
