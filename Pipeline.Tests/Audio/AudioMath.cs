namespace Pipeline.Tests.Audio;

/// <summary>Signal comparisons for the audio tests.</summary>
public static class AudioMath
{
    /// <summary>The highest normalised correlation of <paramref name="b"/> against <paramref name="a"/> over lags of ±maxLag samples.</summary>
    public static double BestCorrelation(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int maxLag) => BestLag(a, b, maxLag).Correlation;

    /// <summary>The lag (b shifted right by lag) with the highest normalised correlation, and that correlation.</summary>
    public static (int Lag, double Correlation) BestLag(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int maxLag)
    {
        var best = (Lag: 0, Correlation: double.NegativeInfinity);
        for (var lag = -maxLag; lag <= maxLag; lag++)
        {
            double ab = 0, aa = 0, bb = 0;
            for (var i = 0; i < a.Length; i++)
            {
                var j = i - lag;
                if (j < 0 || j >= b.Length) continue;
                ab += a[i] * b[j];
                aa += a[i] * a[i];
                bb += b[j] * b[j];
            }
            var c = aa > 0 && bb > 0 ? ab / Math.Sqrt(aa * bb) : 0;
            if (c > best.Correlation) best = (lag, c);
        }
        return best;
    }
}
