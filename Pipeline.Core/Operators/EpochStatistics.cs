namespace Pipeline.Core.Operators;

/// <summary>Counts of what <see cref="Epochs.EventLockedEpochs"/> did with each marker.</summary>
public sealed class EpochStatistics
{
    /// <summary>Epochs emitted.</summary>
    public long Emitted { get; internal set; }
    /// <summary>Markers whose text is not among the wanted labels.</summary>
    public long Ignored { get; internal set; }
    /// <summary>Epochs skipped because they touch a gap (or a backward timestamp step).</summary>
    public long SkippedGap { get; internal set; }
    /// <summary>Epochs skipped because their data was already discarded or lies before the stream began.</summary>
    public long SkippedOutOfRange { get; internal set; }
    /// <summary>Epochs skipped because the stream ended before their last sample.</summary>
    public long SkippedOffEnd { get; internal set; }
    /// <summary>Markers dropped because too many were waiting for data.</summary>
    public long SkippedOverflow { get; internal set; }

    /// <summary>All skipped epochs.</summary>
    public long Skipped => SkippedGap + SkippedOutOfRange + SkippedOffEnd + SkippedOverflow;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Emitted} epochs, skipped {Skipped} (gap {SkippedGap}, out of range {SkippedOutOfRange}, off end {SkippedOffEnd}, overflow {SkippedOverflow}), {Ignored} markers ignored";
}
