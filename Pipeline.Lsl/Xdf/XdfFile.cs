namespace Pipeline.Lsl.Xdf;

/// <summary>
/// A whole XDF file in memory, for small files and tests; use <see cref="XdfReader"/> to stream large ones.
/// </summary>
public sealed class XdfFile
{
    private XdfFile(XdfReader reader, IReadOnlyList<XdfStreamData> streams)
    {
        Reader = reader;
        Streams = streams;
    }

    /// <summary>The reader that loaded the file (structure, warnings).</summary>
    public XdfReader Reader { get; }

    /// <summary>Every stream with its samples, in order of first StreamHeader.</summary>
    public IReadOnlyList<XdfStreamData> Streams { get; }

    /// <summary>Problems met while reading (see <see cref="XdfReader.Warnings"/>).</summary>
    public IReadOnlyList<string> Warnings => Reader.Warnings;

    /// <summary>The stream with this StreamId, or null.</summary>
    public XdfStreamData? FindStream(uint id) => Streams.FirstOrDefault(s => s.Stream.Id == id);

    /// <summary>Loads a file; timestamps are synchronised to the recorder's clock unless <paramref name="applyClockOffsets"/> is false.</summary>
    /// <exception cref="XdfFormatException">The file is missing, empty or not XDF.</exception>
    public static XdfFile Load(string path, bool applyClockOffsets = true) => Load(XdfReader.Open(path), applyClockOffsets);

    /// <summary>Loads everything an opened reader can decode.</summary>
    public static XdfFile Load(XdfReader reader, bool applyClockOffsets = true)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var n = reader.Streams.Count;
        var stamps = new List<double>[n];
        var values = new List<float>[n];
        var values64 = new List<double>[n];
        var strings = new List<string>[n];
        var int64 = new List<long>[n];
        for (var i = 0; i < n; i++) { stamps[i] = []; values[i] = []; values64[i] = []; strings[i] = []; int64[i] = []; }
        foreach (var chunk in reader.ReadSamples(applyClockOffsets))
        {
            var i = chunk.StreamIndex;
            stamps[i].AddRange(chunk.Timestamps);
            if (chunk.Values is not null) values[i].AddRange(chunk.Values);
            if (chunk.Values64 is not null) values64[i].AddRange(chunk.Values64);
            if (chunk.Strings is not null) strings[i].AddRange(chunk.Strings);
            if (chunk.Int64Values is not null) int64[i].AddRange(chunk.Int64Values);
        }
        var streams = reader.Streams.Select(s => new XdfStreamData
        {
            Stream = s,
            Timestamps = [.. stamps[s.Index]],
            Values = [.. values[s.Index]],
            Values64 = s.Header.ChannelFormat is ChannelFormat.Double64 or ChannelFormat.Int32 or ChannelFormat.Int64
                ? [.. values64[s.Index]] : null,
            Int64Values = s.Header.ChannelFormat == ChannelFormat.Int64 ? [.. int64[s.Index]] : null,
            Strings = [.. strings[s.Index]],
        }).ToList();
        return new XdfFile(reader, streams);
    }
}
