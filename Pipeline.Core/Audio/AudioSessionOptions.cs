using Pipeline.Core.Decisions;

namespace Pipeline.Core.Audio;

/// <summary>Settings of a speech <see cref="Sessions.DecodingSession"/> (<see cref="Sessions.DecodingSession.CreateSpeech(Signals.StreamDescription, AudioSessionOptions, SileroVad, SslKeywordModel)"/>).</summary>
public sealed record AudioSessionOptions
{
    /// <summary>The session's name in predictions and commands.</summary>
    public string Session { get; init; } = "audio";
    /// <summary>How VAD probabilities become segments.</summary>
    public VadOptions Vad { get; init; } = new();
    /// <summary>
    /// The decision layer; one window per segment, so smoothing defaults to a single window. "unknown" and "silence"
    /// are decided but never sent as commands; the model card's command names are added under the ones given here.
    /// </summary>
    public DecisionOptions Decision { get; init; } = new()
    {
        WindowCount = 1, Threshold = 0.5, RefractorySeconds = 0.3, RestClass = "silence", IgnoredClasses = ["unknown", "silence"],
    };
    /// <summary>
    /// True for live audio (a microphone, a file played at its own pace): with a shared runner, a full queue drops the
    /// oldest window. False for a file replayed as fast as possible: the replay waits instead, nothing is lost.
    /// </summary>
    public bool Live { get; init; } = true;
}
