namespace Pipeline.Lsl.Xdf;

/// <summary>
/// One stream of an XDF file as the reader's first pass found it: header, footer, clock offsets and the sample
/// count its Samples chunks declare. The samples themselves come from <see cref="XdfReader.ReadSamples"/>.
/// </summary>
public sealed class XdfStream
{
    internal XdfStream(uint id, int index, StreamInfo header, string headerXml, long headerOffset)
    {
        Id = id;
        Index = index;
        Header = header;
        HeaderXml = headerXml;
        HeaderOffset = headerOffset;
    }

    /// <summary>The StreamId the writer chose (arbitrary; not an index).</summary>
    public uint Id { get; }

    /// <summary>The position in <see cref="XdfReader.Streams"/> (order of first StreamHeader in the file).</summary>
    public int Index { get; }

    /// <summary>The stream's description from its StreamHeader.</summary>
    public StreamInfo Header { get; }

    /// <summary>The StreamHeader XML as stored.</summary>
    public string HeaderXml { get; }

    /// <summary>The StreamFooter, or null when the file has none for this stream (e.g. after a crash).</summary>
    public XdfStreamFooter? Footer { get; internal set; }

    /// <summary>The ClockOffset chunks of this stream, in file order.</summary>
    public IReadOnlyList<XdfClockOffset> ClockOffsets { get; internal set; } = [];

    /// <summary>The producer-to-recorder clock mapping fitted to <see cref="ClockOffsets"/>.</summary>
    public ClockSync ClockSync { get; internal set; } = ClockSync.Identity;

    /// <summary>
    /// Samples declared by this stream's Samples chunks (each declared count capped by what its bytes can hold).
    /// A damaged chunk can decode to fewer samples than it declares.
    /// </summary>
    public long SampleCount { get; internal set; }

    /// <summary>How many Samples chunks this stream has.</summary>
    public long ChunkCount { get; internal set; }

    /// <summary>True when the header names a channel format and at least one channel, so samples can be decoded.</summary>
    public bool IsDecodable => Header.ChannelCount > 0 && Header.ChannelFormat != ChannelFormat.Undefined;

    /// <summary>The file offset of the StreamHeader chunk; Samples chunks before it are skipped.</summary>
    internal long HeaderOffset { get; }

    /// <inheritdoc/>
    public override string ToString() => $"stream {Id} ({Header})";
}
