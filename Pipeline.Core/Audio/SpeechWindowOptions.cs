namespace Pipeline.Core.Audio;

/// <summary>How <see cref="SpeechWindowing.SpeechWindows"/> turns audio into windows for a keyword model.</summary>
public sealed record SpeechWindowOptions
{
    /// <summary>How VAD frame probabilities become speech segments.</summary>
    public VadOptions Vad { get; init; } = new();
    /// <summary>Samples per window: the last this many samples when a segment closes (default one second at 16 kHz).</summary>
    public int WindowSamples { get; init; } = SpeechAudio.Rate;
    /// <summary>The session stamped on every window.</summary>
    public string Session { get; init; } = "";
    /// <summary>Called for every 32 ms VAD frame with its speech probability and the time of its end (a hook for a live view); null: none.</summary>
    public Action<float, double>? FrameProbability { get; init; }
}
