namespace Pipeline.Host.Service;

/// <summary>One session as <c>/status</c> shows it (no paths beyond the configured ones, no exception texts).</summary>
internal sealed record SessionStatus
{
    public required string Id { get; init; }
    public required string State { get; init; }
    public string? Reason { get; init; }
    public bool Enabled { get; init; }
    public string? Source { get; init; }
    public string? Recording { get; init; }
    public DateTime? StartedUtc { get; init; }
    public double NominalRateHz { get; init; }
    public double InputRateHz { get; init; }
    public long Frames { get; init; }
    public long Markers { get; init; }
    public long Windows { get; init; }
    public long Skipped { get; init; }
    public long Drops { get; init; }
    public long Gaps { get; init; }
    public long Commands { get; init; }
    public double? LatencyP50Ms { get; init; }
    public double? LatencyP99Ms { get; init; }
    /// <summary>"online" when the session runs online Euclidean alignment (its card asks for it), else null.</summary>
    public string? Alignment { get; init; }
    /// <summary>Windows online alignment aligned with its last good matrix (no usable reference yet).</summary>
    public long Guarded { get; init; }
    /// <summary>Cued trials classified (each trial's cue-locked epoch), and the fraction classified as cued (null before any).</summary>
    public long Trials { get; init; }
    public double? TrialAccuracy { get; init; }
    /// <summary>Every decoded channel's quality over its last second (flat, railed, line-noise, excessive-amplitude), once measured.</summary>
    public IReadOnlyList<Dashboard.ChannelQualityView>? Quality { get; init; }

    /// <summary>The status of <paramref name="s"/> now.</summary>
    public static SessionStatus Of(ServiceSession s)
    {
        var c = s.Counters;
        return new SessionStatus
        {
            Id = s.Id,
            State = s.State.ToString().ToLowerInvariant(),
            Reason = s.Reason,
            Enabled = s.Configuration.Enabled,
            Source = s.SourceSummary,
            Recording = s.RecordingPath,
            StartedUtc = s.StartedUtc,
            NominalRateHz = s.NominalRate,
            InputRateHz = Math.Round(c.InputRateHz, 2),
            Frames = c.Frames,
            Markers = c.Markers,
            Windows = c.Windows,
            // Windows without a prediction were either skipped (NaN/Inf) or dropped at the shared runner.
            Skipped = Math.Max(0, c.Skipped - s.Drops),
            Drops = s.Drops,
            Gaps = c.Gaps,
            Commands = c.Commands,
            LatencyP50Ms = c.LatencyQuantile(0.5) is { } p50 ? Math.Round(p50, 3) : null,
            LatencyP99Ms = c.LatencyQuantile(0.99) is { } p99 ? Math.Round(p99, 3) : null,
            Alignment = s.Alignment,
            Guarded = s.Guarded,
            Trials = c.Trials,
            TrialAccuracy = c.Trials > 0 ? Math.Round((double)c.CorrectTrials / c.Trials, 4) : null,
            Quality = s.Live?.Monitor.Quality is { Blocks: > 0 } q ? [.. q.Snapshot().Select(Dashboard.ChannelQualityView.Of)] : null,
        };
    }
}
