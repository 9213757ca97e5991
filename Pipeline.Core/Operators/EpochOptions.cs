namespace Pipeline.Core.Operators;

/// <summary>How <see cref="Epochs.EventLockedEpochs"/> cuts epochs around markers.</summary>
public sealed record EpochOptions
{
    /// <summary>Start of the epoch relative to the marker, seconds (negative = before it).</summary>
    public double TMin { get; init; }
    /// <summary>End of the epoch relative to the marker, seconds; the epoch has round((TMax-TMin)·rate) samples.</summary>
    public double TMax { get; init; }
    /// <summary>Marker texts that open an epoch (exact, case-sensitive); null or empty takes every marker.</summary>
    public IReadOnlyCollection<string>? Labels { get; init; }
    /// <summary>The session name stamped on every epoch.</summary>
    public string Session { get; init; } = "";
    /// <summary>Seconds of data kept for markers that arrive after their data (late marker streams).</summary>
    public double HistorySeconds { get; init; } = 30;
    /// <summary>Most markers waiting for their data; beyond it the oldest is dropped and counted.</summary>
    public int MaxPendingMarkers { get; init; } = 1024;
    /// <summary>Where the counts of emitted and skipped epochs go (optional).</summary>
    public EpochStatistics? Statistics { get; init; }
}
