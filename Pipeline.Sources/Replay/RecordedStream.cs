using Pipeline.Core.Signals;

namespace Pipeline.Sources.Replay;

/// <summary>One stream of a recording as <c>pipeline info</c> reports it.</summary>
/// <param name="Index">Position of the stream in the file (0-based).</param>
/// <param name="Description">Name, type, channels, rate and format.</param>
/// <param name="FrameCount">Frames (samples) the file holds for the stream.</param>
/// <param name="FirstTimestamp">Timestamp of the first frame (NaN when empty).</param>
/// <param name="LastTimestamp">Timestamp of the last frame (NaN when empty).</param>
public sealed record RecordedStream(int Index, StreamDescription Description, long FrameCount, double FirstTimestamp, double LastTimestamp)
{
    /// <summary>True for marker (string or irregular) streams.</summary>
    public bool IsMarkerStream => Description.Format == ValueFormat.String;
    /// <summary>What the stream is for: signal, cues, or the pipeline's own commands or predictions.</summary>
    public StreamRole Role => StreamRoles.Of(Description);
    /// <summary>Seconds between the first and last frame.</summary>
    public double Duration => FrameCount > 1 ? LastTimestamp - FirstTimestamp : 0;
}
