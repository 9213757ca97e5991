namespace Pipeline.Core.Signals;

/// <summary>
/// A hole in a regular stream: the timestamp jumped by more than 1.5 sample periods between two frames.
/// Gaps are reported, never interpolated.
/// </summary>
/// <param name="Stream">The stream's name.</param>
/// <param name="LastBefore">Timestamp of the last frame before the gap.</param>
/// <param name="FirstAfter">Timestamp of the first frame after the gap.</param>
/// <param name="MissingFrames">Frames the nominal rate says are missing (rounded).</param>
public readonly record struct Gap(string Stream, double LastBefore, double FirstAfter, long MissingFrames)
{
    /// <summary>Duration of the hole in seconds (time between the two frames that bound it).</summary>
    public double Duration => FirstAfter - LastBefore;
}
