namespace Pipeline.Core.Monitoring;

/// <summary>A closed speech segment and what the keyword model made of it.</summary>
/// <param name="Start">First speech sample (LSL clock, s).</param>
/// <param name="End">Just after the last speech sample (LSL clock, s).</param>
/// <param name="Label">The most probable class.</param>
/// <param name="Confidence">Its probability.</param>
/// <param name="Command">The command it gave, or null.</param>
/// <param name="LatencyMs">From the end of speech to the label, ms.</param>
public readonly record struct SpeechEvent(double Start, double End, string Label, float Confidence, string? Command, double LatencyMs);
