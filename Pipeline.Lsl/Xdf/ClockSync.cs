namespace Pipeline.Lsl.Xdf;

/// <summary>
/// Maps one stream's producer timestamps to the recorder's clock from its ClockOffset measurements, the way
/// pyxdf does by default: split the offsets at clock resets, fit each segment with a robust (Huber) line,
/// and add the fitted offset to each timestamp. A stream without offsets maps every time to itself.
/// </summary>
public sealed class ClockSync
{
    /// <summary>Residuals above this (seconds) are down-weighted by the Huber fit (pyxdf's winsor threshold, 0.1 ms).</summary>
    public const double HuberThreshold = 0.0001;

    // numpy's float eps, which pyxdf adds so that a zero MAD does not divide by zero.
    private const double MachineEpsilon = 2.220446049250313e-16;

    private readonly ClockSyncSegment[] _segments;

    private ClockSync(ClockSyncSegment[] segments) => _segments = segments;

    /// <summary>The identity mapping (a stream without clock offsets).</summary>
    public static ClockSync Identity { get; } = new([]);

    /// <summary>The fitted segments in recording order; empty for the identity mapping.</summary>
    public IReadOnlyList<ClockSyncSegment> Segments => _segments;

    /// <summary>
    /// Fits the mapping. Offsets are taken in recording order; a reset is declared between two consecutive
    /// offsets only when both the collection times jump (backwards, or forward by more than 5 s and 5 MADs above
    /// the median gap) and the offset value jumps (by more than 1 s and 10 MADs above the median change).
    /// </summary>
    public static ClockSync Fit(IReadOnlyList<XdfClockOffset> offsets)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        var valid = offsets.Where(o => double.IsFinite(o.CollectionTime) && double.IsFinite(o.Value)).ToArray();
        if (valid.Length == 0) return Identity;
        var segments = new List<ClockSyncSegment>();
        var start = 0;
        foreach (var reset in DetectResets(valid))
        {
            segments.Add(FitSegment(valid.AsSpan(start, reset + 1 - start)));
            start = reset + 1;
        }
        segments.Add(FitSegment(valid.AsSpan(start)));
        return new ClockSync([.. segments]);
    }

    /// <summary>
    /// The recorder-clock time of producer time <paramref name="t"/>: the segment whose collection-time range holds
    /// <paramref name="t"/> is used, else the nearest one (so times before the first offset use the first segment).
    /// </summary>
    public double Map(double t)
    {
        if (_segments.Length == 0) return t;
        if (_segments.Length == 1) return t + _segments[0].OffsetAt(t);
        var best = 0;
        var bestDistance = double.PositiveInfinity;
        for (var i = 0; i < _segments.Length; i++)
        {
            var s = _segments[i];
            var distance = t < s.FirstCollectionTime ? s.FirstCollectionTime - t
                : t > s.LastCollectionTime ? t - s.LastCollectionTime : 0;
            if (distance < bestDistance) { bestDistance = distance; best = i; }
            if (distance == 0) break;
        }
        return t + _segments[best].OffsetAt(t);
    }

    /// <summary>Indices i such that a reset lies between offsets i and i+1.</summary>
    internal static List<int> DetectResets(ReadOnlySpan<XdfClockOffset> o)
    {
        var resets = new List<int>();
        if (o.Length < 2) return resets;
        var n = o.Length - 1;
        var timeDiff = new double[n];
        var valueDiff = new double[n];
        for (var i = 0; i < n; i++)
        {
            timeDiff[i] = o[i + 1].CollectionTime - o[i].CollectionTime;
            valueDiff[i] = Math.Abs(o[i + 1].Value - o[i].Value);
        }
        var medianGap = Median(timeDiff);
        var gapMad = Median(timeDiff.Select(d => Math.Abs(d - medianGap)).ToArray()) + MachineEpsilon;
        var medianChange = Median(valueDiff);
        var changeMad = Median(valueDiff.Select(d => Math.Abs(d - medianChange)).ToArray()) + MachineEpsilon;
        for (var i = 0; i < n; i++)
        {
            var timeGlitch = timeDiff[i] < 0
                || ((timeDiff[i] - medianGap) / gapMad > 5 && timeDiff[i] - medianGap > 5);
            var valueGlitch = (valueDiff[i] - medianChange) / changeMad > 10 && valueDiff[i] - medianChange > 1;
            if (timeGlitch && valueGlitch) resets.Add(i);
        }
        return resets;
    }

    /// <summary>Huber-weighted least squares (IRLS) of value on collection time, centred for conditioning.</summary>
    private static ClockSyncSegment FitSegment(ReadOnlySpan<XdfClockOffset> o)
    {
        double first = double.PositiveInfinity, last = double.NegativeInfinity, meanT = 0;
        foreach (var x in o)
        {
            first = Math.Min(first, x.CollectionTime);
            last = Math.Max(last, x.CollectionTime);
            meanT += x.CollectionTime;
        }
        meanT /= o.Length;
        var weights = new double[o.Length];
        Array.Fill(weights, 1.0);
        double a = 0, b = 0;
        for (var iteration = 0; iteration < 100; iteration++)
        {
            double sw = 0, st = 0, sy = 0;
            for (var i = 0; i < o.Length; i++)
            {
                sw += weights[i];
                st += weights[i] * (o[i].CollectionTime - meanT);
                sy += weights[i] * o[i].Value;
            }
            var tBar = st / sw;
            var yBar = sy / sw;
            double stt = 0, sty = 0;
            for (var i = 0; i < o.Length; i++)
            {
                var dt = o[i].CollectionTime - meanT - tBar;
                stt += weights[i] * dt * dt;
                sty += weights[i] * dt * (o[i].Value - yBar);
            }
            // Offsets all at one instant carry no drift information: fit a constant.
            var newB = stt > 0 ? sty / stt : 0;
            var newA = yBar - newB * tBar;
            var converged = iteration > 0 && Math.Abs(newA - a) < 1e-12 && Math.Abs(newB - b) < 1e-15;
            a = newA;
            b = newB;
            if (converged) break;
            for (var i = 0; i < o.Length; i++)
            {
                var r = Math.Abs(o[i].Value - (a + b * (o[i].CollectionTime - meanT)));
                weights[i] = r <= HuberThreshold ? 1.0 : HuberThreshold / r;
            }
        }
        return new ClockSyncSegment(first, last, o.Length, a - b * meanT, b);
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
