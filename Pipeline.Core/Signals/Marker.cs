namespace Pipeline.Core.Signals;

/// <summary>An event: a timestamp in seconds of the LSL clock, its text, and optionally its duration.</summary>
/// <param name="Timestamp">When the event happened (LSL clock, seconds).</param>
/// <param name="Text">The event's text, e.g. <c>T1</c> or <c>left</c>.</param>
/// <param name="Duration">Duration in seconds where the source gives one (EDF+ annotations), else 0.</param>
/// <param name="Stream">The name of the stream the marker came from (empty where unknown).</param>
public readonly record struct Marker(double Timestamp, string Text, double Duration = 0, string Stream = "");
