using Pipeline.Core.Evaluation;

namespace Pipeline.Host.Bench;

/// <summary>Order statistics of benchmark samples (NaN for none: written as null in JSON).</summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> values) => Quantile(values, 0.5);

    public static double Quantile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : LatencyRecorder.QuantileOfSorted(sorted, q);
    }
}
