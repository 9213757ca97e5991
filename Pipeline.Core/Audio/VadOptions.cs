using Pipeline.Core.Signals;

namespace Pipeline.Core.Audio;

/// <summary>How frame probabilities become speech segments (hysteresis as in Silero's own reference iterator).</summary>
public sealed record VadOptions
{
    /// <summary>A frame at or above this probability starts (or continues) speech.</summary>
    public float Threshold { get; init; } = 0.5f;
    /// <summary>Speech ends only after frames fall below this probability (default: threshold − 0.15).</summary>
    public float? NegativeThreshold { get; init; }
    /// <summary>Silence needed before a segment is closed, in seconds.</summary>
    public double MinSilenceSeconds { get; init; } = 0.1;
    /// <summary>Segments shorter than this are dropped, in seconds.</summary>
    public double MinSpeechSeconds { get; init; } = 0.09;
    /// <summary>Padding added before the start and after the end, in seconds.</summary>
    public double PadSeconds { get; init; } = 0.03;

    /// <summary>The effective lower threshold.</summary>
    public float LowThreshold => NegativeThreshold ?? Math.Max(0.01f, Threshold - 0.15f);

    /// <summary>Checks the settings.</summary>
    /// <exception cref="PipelineException">A setting is out of range.</exception>
    public void Validate()
    {
        if (!(Threshold is > 0 and < 1)) throw new PipelineException($"The VAD threshold {Threshold} is outside (0, 1); use e.g. 0.5.");
        if (!(LowThreshold > 0 && LowThreshold <= Threshold)) throw new PipelineException($"The VAD negative threshold {LowThreshold} must lie in (0, threshold]; lower it.");
        if (MinSilenceSeconds < 0 || MinSpeechSeconds < 0 || PadSeconds < 0) throw new PipelineException("VAD durations must not be negative; fix the option.");
    }
}
