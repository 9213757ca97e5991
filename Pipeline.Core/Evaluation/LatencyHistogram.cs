namespace Pipeline.Core.Evaluation;

/// <summary>
/// A cumulative latency histogram with fixed bucket bounds in seconds (the Prometheus convention: a bucket counts the
/// values at or below its upper bound, plus an overflow bucket), written by one thread without allocating and read by
/// any. Unlike <see cref="LatencyRecorder"/> it forgets nothing, so its counts add up over a whole session.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>
    /// The default upper bounds, seconds: fine below 100 ms, where a BCI's processing latency lives, and up to 10 s for a
    /// session that fell far behind.
    /// </summary>
    public static IReadOnlyList<double> DefaultBounds { get; } = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

    private readonly double[] _bounds;
    private readonly long[] _counts; // per bucket, not cumulative; the last is the overflow (+Inf)
    private long _count;
    private double _sum;

    /// <summary>A histogram with <paramref name="bounds"/> (ascending upper bounds, seconds; null: <see cref="DefaultBounds"/>).</summary>
    public LatencyHistogram(IReadOnlyList<double>? bounds = null)
    {
        _bounds = [.. bounds ?? DefaultBounds];
        if (_bounds.Length == 0) throw new ArgumentException("A histogram needs at least one bucket bound.", nameof(bounds));
        for (var i = 1; i < _bounds.Length; i++)
            if (!(_bounds[i] > _bounds[i - 1])) throw new ArgumentException("Bucket bounds must rise strictly.", nameof(bounds));
        _counts = new long[_bounds.Length + 1];
    }

    /// <summary>The upper bounds of the buckets, seconds (the overflow bucket is not listed).</summary>
    public IReadOnlyList<double> Bounds => _bounds;
    /// <summary>Values recorded.</summary>
    public long Count => Volatile.Read(ref _count);
    /// <summary>Sum of the values recorded, seconds.</summary>
    public double Sum => Volatile.Read(ref _sum);

    /// <summary>Records one latency in seconds (writer thread only).</summary>
    public void Record(double seconds)
    {
        if (double.IsNaN(seconds)) return;
        var i = 0;
        while (i < _bounds.Length && seconds > _bounds[i]) i++;
        Volatile.Write(ref _counts[i], _counts[i] + 1);
        Volatile.Write(ref _sum, _sum + seconds);
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Copies the per-bucket counts (not cumulative; <see cref="Bounds"/>.Count + 1 values, the last for values above every bound).</summary>
    public void CopyCounts(Span<long> destination)
    {
        for (var i = 0; i < _counts.Length; i++) destination[i] = Volatile.Read(ref _counts[i]);
    }

    /// <summary>The per-bucket counts as a new array.</summary>
    public long[] Counts()
    {
        var copy = new long[_counts.Length];
        CopyCounts(copy);
        return copy;
    }

    /// <summary>
    /// The upper bound of the bucket that holds the q-quantile (what Prometheus' histogram_quantile interpolates within);
    /// +Inf when it lies in the overflow bucket, NaN when empty.
    /// </summary>
    public double QuantileBucketBound(double q)
    {
        var counts = Counts();
        long total = 0;
        foreach (var c in counts) total += c;
        if (total == 0) return double.NaN;
        var rank = Math.Clamp(q, 0, 1) * total;
        long cumulative = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            cumulative += counts[i];
            if (cumulative >= rank && cumulative > 0) return i < _bounds.Length ? _bounds[i] : double.PositiveInfinity;
        }
        return double.PositiveInfinity;
    }
}
