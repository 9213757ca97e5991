namespace Pipeline.Lsl.Xdf;

/// <summary>One clock offset measurement of a stream.</summary>
/// <param name="CollectionTime">When it was measured, in the producer's clock (seconds).</param>
/// <param name="Value">What to add to the producer's timestamps to get the recorder's clock (seconds).</param>
public readonly record struct XdfClockOffset(double CollectionTime, double Value);
