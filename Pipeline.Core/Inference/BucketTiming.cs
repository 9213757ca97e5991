namespace Pipeline.Core.Inference;

/// <summary>How one batch-size bucket performed at warm-up: the median of repeated runs and its spread.</summary>
/// <param name="Size">Windows per run.</param>
/// <param name="Runs">Timed runs.</param>
/// <param name="MedianMs">Median milliseconds per run.</param>
/// <param name="LowMs">First quartile, ms per run.</param>
/// <param name="HighMs">Third quartile, ms per run.</param>
public readonly record struct BucketTiming(int Size, int Runs, double MedianMs, double LowMs, double HighMs)
{
    /// <summary>Median milliseconds per window.</summary>
    public double MedianMsPerWindow => MedianMs / Size;
}
