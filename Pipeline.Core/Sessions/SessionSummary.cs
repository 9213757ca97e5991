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
    /// <summary>Per-window accuracy against cue markers, where the recording has them (null otherwise).</summary>
    public double? WindowAccuracy { get; init; }
    /// <summary>Per-trial accuracy against cue markers, where the recording has them (null otherwise).</summary>
    public double? TrialAccuracy { get; init; }
    /// <summary>Number of trials evaluated.</summary>
    public int Trials { get; init; }
    /// <summary>Signal seconds processed per wall second.</summary>
    public double RealTimeFactor => WallSeconds > 0 ? SignalSeconds / WallSeconds : double.PositiveInfinity;
}
