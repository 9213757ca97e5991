namespace Pipeline.Core.Sessions;

/// <summary>Totals of a finished session, printed by the console and written by the file sinks.</summary>
public sealed record SessionSummary
{
    /// <summary>The session's name.</summary>
    public string Session { get; init; } = "";
    /// <summary>Frames that entered the session.</summary>
    public long Frames { get; init; }
    /// <summary>Signal seconds covered (by timestamps).</summary>
    public double SignalSeconds { get; init; }
    /// <summary>Wall-clock seconds the session ran.</summary>
    public double WallSeconds { get; init; }
    /// <summary>Windows that were cut.</summary>
    public long Windows { get; init; }
    /// <summary>Windows skipped because they held NaN or infinite samples.</summary>
    public long SkippedWindows { get; init; }
    /// <summary>Windows dropped at a shared runner because the session's queue was full (live sessions only).</summary>
    public long DroppedWindows { get; init; }
    /// <summary>Commands decided.</summary>
    public long Commands { get; init; }
    /// <summary>Gaps seen in the input.</summary>
    public long Gaps { get; init; }
    /// <summary>Total seconds missing in gaps.</summary>
    public double GapSeconds { get; init; }
    /// <summary>Processing latency from the newest sample's arrival to the sink, median, ms.</summary>
    public double LatencyP50Ms { get; init; }
    /// <summary>Processing latency, 99th percentile, ms.</summary>
    public double LatencyP99Ms { get; init; }
    /// <summary>Per-window accuracy against cue markers: the sliding windows inside a trial, each by its own argmax (null without cues).</summary>
    public double? WindowAccuracy { get; init; }
    /// <summary>
    /// Trial accuracy: each cued trial's epoch [cue + tmin, cue + tmax] cut online from the same preprocessed stream,
    /// aligned as the session was then, classified, and scored by its argmax; what an offline evaluation of the same
    /// model on <c>pipeline epochs</c> of the recording gives with the same alignment (null without cues).
    /// </summary>
    public double? TrialAccuracy { get; init; }
    /// <summary>Trials scored for <see cref="TrialAccuracy"/>.</summary>
    public int Trials { get; init; }
    /// <summary>The sliding-window trial accuracy: the argmax of the mean probability of the windows inside each trial (null without cues).</summary>
    public double? WindowTrialAccuracy { get; init; }
    /// <summary>Trials with at least one sliding window, scored for <see cref="WindowTrialAccuracy"/>.</summary>
    public int WindowTrials { get; init; }
    /// <summary>Cue markers of the model's classes that passed.</summary>
    public int Cues { get; init; }
    /// <summary>Trial epochs left out because they held NaN or infinite samples.</summary>
    public long SkippedTrials { get; init; }
    /// <summary>True when the session ran online Euclidean alignment (the model card's mode online).</summary>
    public bool OnlineAlignment { get; init; }
    /// <summary>Windows that online alignment aligned with its last good matrix because the running reference had no usable eigenvalue (all-zero data so far).</summary>
    public long GuardedWindows { get; init; }
    /// <summary>Signal seconds processed per wall second.</summary>
    public double RealTimeFactor => WallSeconds > 0 ? SignalSeconds / WallSeconds : double.PositiveInfinity;
}
