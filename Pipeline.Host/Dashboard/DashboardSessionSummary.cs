namespace Pipeline.Host.Dashboard;

/// <summary>One row of the page's session list: state, rates and counters (file names only, never paths).</summary>
internal sealed record DashboardSessionSummary
{
    public required string Id { get; init; }
    public required string State { get; init; }
    public string? Reason { get; init; }
    public string? Kind { get; init; }
    public string? Source { get; init; }
    public string? Model { get; init; }
    public double NominalRateHz { get; init; }
    public double InputRateHz { get; init; }
    public long Frames { get; init; }
    public long Windows { get; init; }
    public long Commands { get; init; }
    public long Drops { get; init; }
    public long Skipped { get; init; }
    public long Gaps { get; init; }
    public double? LatencyP50Ms { get; init; }
    public double? LatencyP99Ms { get; init; }
    /// <summary>Channels flagged by the quality check, with their flags (empty: all good or not measured yet).</summary>
    public IReadOnlyList<ChannelQualityView> Quality { get; init; } = [];
    /// <summary>True when the page may show start/stop buttons (the service), false for a single CLI session.</summary>
    public bool Controllable { get; init; }
}
