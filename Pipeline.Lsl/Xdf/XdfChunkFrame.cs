namespace Pipeline.Lsl.Xdf;

/// <summary>The framing of one chunk as the scanner found it (positions are absolute file offsets).</summary>
/// <param name="Start">The offset of the chunk's length field.</param>
/// <param name="Tag">The chunk tag.</param>
/// <param name="ContentStart">The first byte after the tag (the StreamId, where the tag has one).</param>
/// <param name="ContentLength">Bytes after the tag.</param>
/// <param name="StreamId">The StreamId for tags 2, 3, 4 and 6; 0 otherwise.</param>
internal readonly record struct XdfChunkFrame(long Start, ushort Tag, long ContentStart, long ContentLength, uint StreamId)
{
    /// <summary>The tag carries a StreamId (StreamHeader, Samples, ClockOffset, StreamFooter).</summary>
    public static bool HasStreamId(ushort tag) => tag is 2 or 3 or 4 or 6;

    /// <summary>Where the chunk's payload after the StreamId starts.</summary>
    public long PayloadStart => HasStreamId(Tag) ? ContentStart + 4 : ContentStart;

    /// <summary>Payload bytes after the StreamId.</summary>
    public long PayloadLength => HasStreamId(Tag) ? ContentLength - 4 : ContentLength;
}
