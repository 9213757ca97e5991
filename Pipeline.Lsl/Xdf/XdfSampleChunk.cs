namespace Pipeline.Lsl.Xdf;

/// <summary>
/// The decoded contents of one Samples chunk. Values are frame-major (<c>Count x ChannelCount</c>): the value
/// of channel c in frame i is at <c>i * ChannelCount + c</c>. Every chunk owns fresh arrays, so a consumer may
/// keep them; the reader does not reuse them.
/// </summary>
public sealed class XdfSampleChunk
{
    /// <summary>The stream's position in <see cref="XdfReader.Streams"/>.</summary>
    public required int StreamIndex { get; init; }

    /// <summary>The stream's StreamId.</summary>
    public required uint StreamId { get; init; }

    /// <summary>The stream's channel format.</summary>
    public required ChannelFormat Format { get; init; }

    /// <summary>Channels per frame.</summary>
    public required int ChannelCount { get; init; }

    /// <summary>Frames decoded from this chunk.</summary>
    public int Count => Timestamps.Length;

    /// <summary>One timestamp per frame: synchronised to the recorder's clock, or as stored when clock offsets are not applied.</summary>
    public required double[] Timestamps { get; init; }

    /// <summary>Numeric values as float (every numeric format); null for string streams.</summary>
    public float[]? Values { get; init; }

    /// <summary>The exact values of the formats that float cannot hold (double64, int32, int64); null otherwise.</summary>
    public double[]? Values64 { get; init; }

    /// <summary>The exact values of int64 streams (a double holds integers only up to 2^53); null otherwise.</summary>
    public long[]? Int64Values { get; init; }

    /// <summary>The values of string streams; null for numeric streams.</summary>
    public string[]? Strings { get; init; }

    /// <summary>The file offset of the chunk.</summary>
    public required long FileOffset { get; init; }
}
