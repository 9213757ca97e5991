using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>Running totals of the gaps a stream had; pass <see cref="Add"/> to <see cref="GapDetection.DetectGaps"/>.</summary>
public sealed class GapCounter
{
    /// <summary>Forward gaps seen.</summary>
    public long Gaps { get; private set; }
    /// <summary>Backward steps (clock resets) seen.</summary>
    public long BackwardJumps { get; private set; }
    /// <summary>Frames missing over all forward gaps.</summary>
    public long MissingFrames { get; private set; }
    /// <summary>Total seconds of forward gaps.</summary>
    public double MissingSeconds { get; private set; }
    /// <summary>The longest forward gap in seconds (0 when none).</summary>
    public double LongestSeconds { get; private set; }

    /// <summary>Counts one gap.</summary>
    public void Add(Gap gap)
    {
        if (gap.Duration < 0) { BackwardJumps++; return; }
        Gaps++;
        MissingFrames += gap.MissingFrames;
        MissingSeconds += gap.Duration;
        LongestSeconds = Math.Max(LongestSeconds, gap.Duration);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Gaps} gaps ({MissingFrames} frames, {MissingSeconds:F3} s, longest {LongestSeconds:F3} s), {BackwardJumps} backward jumps";
}
