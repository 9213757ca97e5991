namespace Pipeline.Lsl.Xdf;

/// <summary>
/// One stretch of a stream's clock offsets between clock resets, with its robust linear fit
/// <c>offset(t) = Intercept + Slope * t</c> (t in the producer's clock).
/// </summary>
/// <param name="FirstCollectionTime">The collection time of the segment's first offset.</param>
/// <param name="LastCollectionTime">The collection time of the segment's last offset.</param>
/// <param name="OffsetCount">How many offsets the fit used.</param>
/// <param name="Intercept">The fitted offset at producer time 0 (seconds).</param>
/// <param name="Slope">The fitted drift (seconds of offset per second).</param>
public readonly record struct ClockSyncSegment(
    double FirstCollectionTime, double LastCollectionTime, int OffsetCount, double Intercept, double Slope)
{
    /// <summary>The fitted offset at producer time <paramref name="t"/>.</summary>
    public double OffsetAt(double t) => Intercept + Slope * t;
}
