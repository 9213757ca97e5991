using System.Diagnostics;

namespace Pipeline.Core.Evaluation;

/// <summary>
/// Keeps the most recent latencies (in a fixed ring, so recording allocates nothing) and reports quantiles.
/// </summary>
public sealed class LatencyRecorder
{
    private readonly double[] _ring;
    private long _count;

    /// <summary>Creates a recorder that keeps the last <paramref name="capacity"/> values.</summary>
    public LatencyRecorder(int capacity = 1 << 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _ring = new double[capacity];
    }

    /// <summary>Values recorded so far (including those that left the ring).</summary>
    public long Count => _count;

    /// <summary>Forgets everything recorded so far (e.g. after a warm-up).</summary>
    public void Clear() => _count = 0;

    /// <summary>Records one latency in milliseconds.</summary>
    public void Add(double milliseconds) => _ring[_count++ % _ring.Length] = milliseconds;

    /// <summary>Records the time from <paramref name="startTicks"/> (Stopwatch ticks) until now.</summary>
    public void AddSince(long startTicks)
    {
        if (startTicks != 0) Add((Stopwatch.GetTimestamp() - startTicks) * 1000.0 / Stopwatch.Frequency);
    }

    /// <summary>The kept values (the most recent up to the capacity), oldest first where the ring wrapped.</summary>
    public IEnumerable<double> Values()
    {
        var n = (int)Math.Min(_count, _ring.Length);
        var start = _count > _ring.Length ? (int)(_count % _ring.Length) : 0;
        for (var i = 0; i < n; i++) yield return _ring[(start + i) % _ring.Length];
    }

    /// <summary>The q-quantile (0..1) of the kept values, linear interpolation; NaN when empty.</summary>
    public double Quantile(double q)
    {
        var n = (int)Math.Min(_count, _ring.Length);
        if (n == 0) return double.NaN;
        var sorted = _ring.AsSpan(0, n).ToArray();
        Array.Sort(sorted);
        return QuantileOfSorted(sorted, q);
    }

    /// <summary>The q-quantile of sorted values, linear interpolation between closest ranks.</summary>
    public static double QuantileOfSorted(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        var pos = Math.Clamp(q, 0, 1) * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
