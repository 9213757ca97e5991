using Pipeline.Core.Decisions;

namespace Pipeline.Core.Audio;

/// <summary>Settings of an <see cref="AudioKeywordSession"/>.</summary>
public sealed record AudioSessionOptions
{
    /// <summary>The session's name in predictions and commands.</summary>
    public string Session { get; init; } = "audio";
    /// <summary>How VAD probabilities become segments.</summary>
    public VadOptions Vad { get; init; } = new();
    /// <summary>The decision layer; one window per segment, so smoothing defaults to a single window.</summary>
    public DecisionOptions Decision { get; init; } = new() { WindowCount = 1, Threshold = 0.5, RefractorySeconds = 0.3, RestClass = "silence" };
    /// <summary>Classes that never become commands (e.g. "unknown").</summary>
    public IReadOnlyCollection<string> IgnoredClasses { get; init; } = ["unknown", "silence"];
    /// <summary>
    /// True for live audio: latency is the LSL clock at the label minus the end of speech. False for replay as fast
    /// as possible: latency is the audio that had to follow the speech before the VAD closed it plus inference time.
    /// </summary>
    public bool Live { get; init; } = true;
}
