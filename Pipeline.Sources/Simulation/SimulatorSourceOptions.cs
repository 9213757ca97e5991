namespace Pipeline.Sources.Simulation;

/// <summary>How a <see cref="SimulatorSource"/> paces and ends its run.</summary>
public sealed record SimulatorSourceOptions
{
    /// <summary>Playback speed: 1 is real time, N is N times faster. Ignored when <see cref="Fast"/> is set.</summary>
    public double Speed { get; init; } = 1;
    /// <summary>When true there is no pacing: chunks leave as fast as the subscriber takes them, and time does not advance.</summary>
    public bool Fast { get; init; }
    /// <summary>Length of the run in seconds of signal; null runs until the subscription is disposed.</summary>
    public double? DurationSeconds { get; init; }
}
