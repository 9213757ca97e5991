using Pipeline.Core.Signals;
using Pipeline.Lsl;
using Pipeline.Lsl.Xdf;

namespace Pipeline.Sources.Replay;

/// <summary>An XDF file (LabRecorder and compatible writers) as a <see cref="Recording"/>, clock offsets applied.</summary>
public sealed class XdfRecording : Recording
{
    private XdfReader _reader = null!;

    /// <summary>Opens the file: one pass over its chunk framing, plus one over the marker streams' samples.</summary>
    public static new XdfRecording Open(string path)
    {
        XdfReader reader;
        try
        {
            reader = XdfReader.Open(path);
        }
        catch (XdfFormatException e)
        {
            throw new PipelineException(e.Message, e);
        }
        var streams = reader.Streams.Select(s => new RecordedStream(
            s.Index, Pipeline.Sources.Lsl.StreamInfoDescription.Describe(s.Header), s.SampleCount, double.NaN, double.NaN)).ToList();

        // Markers (string streams) are small: read them once, in time order. The same pass finds each stream's
        // first and last timestamp for `pipeline info`.
        var markers = new List<Marker>();
        var first = new double[streams.Count];
        var last = new double[streams.Count];
        Array.Fill(first, double.NaN);
        Array.Fill(last, double.NaN);
        foreach (var chunk in reader.ReadSamples())
        {
            var i = chunk.StreamIndex;
            if (chunk.Count == 0) continue;
            if (double.IsNaN(first[i])) first[i] = chunk.Timestamps[0];
            last[i] = chunk.Timestamps[^1];
            if (chunk.Strings is { } strings)
            {
                var name = reader.Streams[i].Header.Name;
                for (var k = 0; k < chunk.Count; k++)
                    markers.Add(new Marker(chunk.Timestamps[k], strings[k * chunk.ChannelCount], 0, name));
            }
        }
        markers.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
        for (var i = 0; i < streams.Count; i++) streams[i] = streams[i] with { FirstTimestamp = first[i], LastTimestamp = last[i] };

        return new XdfRecording
        {
            Path = path,
            Format = "XDF",
            Streams = streams,
            Markers = markers,
            Warnings = reader.Warnings,
            _reader = reader,
        };
    }

    /// <inheritdoc />
    public override IEnumerable<SignalChunk> ReadChunks(int streamIndex, int chunkFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkFrames);
        var description = Streams[streamIndex].Description;
        var channels = description.ChannelCount;
        var chunks = new ChunkAssembler(description, ChunkCapacity(streamIndex, chunkFrames));
        foreach (var chunk in _reader.ReadSamples())
        {
            if (chunk.StreamIndex != streamIndex || chunk.Values is null) continue;
            for (var k = 0; k < chunk.Count;)
            {
                k += chunks.Append(chunk.Values.AsSpan(k * channels), chunk.Timestamps.AsSpan(k));
                if (chunks.IsFull) yield return chunks.Chunk;
            }
        }
        if (chunks.Flush() is { } last) yield return last;
    }
}
