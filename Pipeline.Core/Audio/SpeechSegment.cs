namespace Pipeline.Core.Audio;

/// <summary>A stretch of speech found by voice-activity detection.</summary>
/// <param name="Start">Timestamp of the first speech sample (LSL clock, s).</param>
/// <param name="End">Timestamp just after the last speech sample (LSL clock, s).</param>
/// <param name="MaxProbability">The highest frame speech probability within the segment.</param>
/// <param name="DetectedAt">Timestamp of the audio at which the end was decided (End plus the minimum silence).</param>
public sealed record SpeechSegment(double Start, double End, float MaxProbability, double DetectedAt)
{
    /// <summary>Length in seconds.</summary>
    public double Seconds => End - Start;
}
