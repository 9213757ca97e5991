namespace Pipeline.Core.Preprocessing;

/// <summary>What <see cref="OnlineEuclideanAlignment.Align"/> did with a window.</summary>
public enum AlignmentOutcome
{
    /// <summary>Added to the reference and aligned with the new R^-1/2.</summary>
    Aligned,
    /// <summary>
    /// Added to the reference, but the reference had no usable eigenvalues (its largest is 0 or not finite, e.g. only
    /// all-zero windows so far): aligned with the last good matrix, or the identity before any.
    /// </summary>
    Guarded,
    /// <summary>The window holds a NaN or an infinity: neither added nor aligned, and the destination is untouched.</summary>
    Skipped,
}
