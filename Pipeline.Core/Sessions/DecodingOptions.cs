using Pipeline.Core.Decisions;
using Pipeline.Core.Operators;

namespace Pipeline.Core.Sessions;

/// <summary>What an EEG <see cref="DecodingSession"/> does between its source and its sinks (unset values come from the model card).</summary>
public sealed record DecodingOptions
{
    /// <summary>The session's name, stamped on every window, prediction and command.</summary>
    public string Session { get; init; } = "session";
    /// <summary>Window length, s (null: the model card's, or 4 s without a model).</summary>
    public double? WindowSeconds { get; init; }
    /// <summary>Window hop, s.</summary>
    public double HopSeconds { get; init; } = 0.25;
    /// <summary>
    /// Where the first window of each segment starts, s after its first sample (modulo the hop; 0: at once). Sessions
    /// that share a clock use it to finish their windows at different instants (see <see cref="SlidingWindowOptions.PhaseSeconds"/>).
    /// </summary>
    public double PhaseSeconds { get; init; }
    /// <summary>Band-pass edges, Hz (null: the model card's band, or 8-30 Hz band power without a model).</summary>
    public (double Low, double High)? Band { get; init; }
    /// <summary>Notch frequency, Hz (null: the card's; 0 none).</summary>
    public double? Notch { get; init; }
    /// <summary>Channels to keep, by label, without a model (null: all; with a model always the model's channels).</summary>
    public IReadOnlyList<string>? Channels { get; init; }
    /// <summary>Resample the stream to this rate first, Hz (null: no resampling; the rate must then match the model's).</summary>
    public double? ResampleTo { get; init; }
    /// <summary>
    /// Which cue markers open trials and the class each cues (<c>--markers T1,T2 --classes left,right</c>); null or empty:
    /// the card's markers and class names. Trials are scored for the session's accuracy.
    /// </summary>
    public IReadOnlyList<Evaluation.CueClass>? Cues { get; init; }
    /// <summary>How probabilities become commands (the model card's command names are added under these).</summary>
    public DecisionOptions Decisions { get; init; } = new();
    /// <summary>
    /// With a shared runner: true makes a full queue wait (a replay as fast as possible: nothing is lost); false drops
    /// the oldest queued window and counts it (a live source, which must never block).
    /// </summary>
    public bool BlockWhenFull { get; init; }
}
