namespace Pipeline.Core.Quality;

/// <summary>
/// Thresholds of the online channel-quality check. The defaults suit scalp EEG in microvolts (values in V, mV or nV
/// are converted by the channel's unit); each threshold applies to one block of <see cref="BlockSeconds"/>.
/// </summary>
public sealed record SignalQualityOptions
{
    /// <summary>Length of one measured block, seconds (1 s gives 1 Hz resolution at the mains frequency).</summary>
    public double BlockSeconds { get; init; } = 1;
    /// <summary>Flat: the block's standard deviation (raw signal) is below this, µV. Real EEG has 5-50 µV.</summary>
    public double FlatMicrovolts { get; init; } = 0.5;
    /// <summary>Railed: at least this fraction of the block's samples repeat the previous sample exactly at the block's minimum or maximum (a saturated converter holds one value).</summary>
    public double RailedFraction { get; init; } = 0.05;
    /// <summary>
    /// Line noise: the power at 50 or 60 Hz (the 1 Hz-wide bin of the block) is at least this fraction of the power above
    /// about 1 Hz. Clean EEG has well under 1 %; a line-noise channel visibly dominated by mains hum has 20 % or more.
    /// </summary>
    public double LineNoiseRatio { get; init; } = 0.2;
    /// <summary>Excessive amplitude: the largest absolute value of the block, drift removed (above about 1 Hz), exceeds this, µV (blinks reach 100-200 µV).</summary>
    public double ExcessiveMicrovolts { get; init; } = 250;
    /// <summary>The mains frequencies checked, Hz (each only where it lies below the Nyquist frequency).</summary>
    public IReadOnlyList<double> LineFrequencies { get; init; } = [50, 60];
    /// <summary>Corner of the one-pole high-pass that removes drift before the line-noise and amplitude checks, Hz.</summary>
    public double DriftCornerHz { get; init; } = 1;
}
