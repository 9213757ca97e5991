using Pipeline.Core.Signals;
using Pipeline.Sources.Gdf;

namespace Pipeline.Sources.Replay;

/// <summary>
/// A GDF 1.x/2.x file as a <see cref="Recording"/>: its signals grouped by sampling rate into one stream per rate
/// (channels in header order), its event table as markers whose text is the event type code (e.g. <c>769</c>).
/// Timestamps are seconds from the start of the file.
/// </summary>
public sealed class GdfRecording : Recording
{
    // Records are read in batches of about this many frames, so one-sample records cost no call per sample.
    private const int BatchFrames = 4096;

    private GdfFile _file = null!;
    private int[][] _groups = [];

    /// <summary>Opens the file and reads its header and event table.</summary>
    public static new GdfRecording Open(string path)
    {
        var file = GdfFile.Open(path);
        try
        {
            var groups = file.RateGroups();
            var streams = new List<RecordedStream>();
            for (var g = 0; g < groups.Count; g++)
            {
                var signals = groups[g];
                var rate = signals[0].SampleRate;
                var description = RateGroupDescription(path, groups.Count, rate, signals.Select(s => s.Label).ToArray(),
                    signals.Select(s => s.PhysicalDimension).ToArray(), FormatOf(signals), file.RecordingId);
                var frames = (long)file.RecordCount * signals[0].SamplesPerRecord;
                streams.Add(new RecordedStream(g, description, frames, frames == 0 ? double.NaN : 0, frames == 0 ? double.NaN : (frames - 1) / rate));
            }
            return new GdfRecording
            {
                Path = path,
                Format = "GDF " + file.Version,
                Streams = streams,
                Markers = file.Events,
                Warnings = file.Warnings,
                _file = file,
                _groups = groups.Select(g => g.Select(s => s.Index).ToArray()).ToArray(),
            };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override IEnumerable<SignalChunk> ReadChunks(int streamIndex, int chunkFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkFrames);
        var signals = _groups[streamIndex];
        var description = Streams[streamIndex].Description;
        var channels = signals.Length;
        var spr = _file.Signals[signals[0]].SamplesPerRecord;
        var rate = description.NominalRate;
        var perBatch = Math.Max(1, BatchFrames / spr);
        var batch = new float[perBatch * spr * channels];
        var times = new double[perBatch * spr];
        var chunks = new ChunkAssembler(description, chunkFrames);
        long frame = 0;
        for (var r = 0; r < _file.RecordCount;)
        {
            var got = _file.ReadRecords(r, perBatch, signals, batch);
            if (got == 0) break;
            r += got;
            var available = got * spr;
            // GDF records follow one another without gaps, so a frame's time is its index over the rate.
            for (var k = 0; k < available; k++) times[k] = (frame + k) / rate;
            for (var s = 0; s < available;)
            {
                s += chunks.Append(batch.AsSpan(s * channels), times.AsSpan(s, available - s));
                if (chunks.IsFull) yield return chunks.Chunk;
            }
            frame += available;
        }
        if (chunks.Flush() is { } last) yield return last;
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _file.Dispose();
        base.Dispose();
    }

    // The stored sample type of a stream (for information only: samples are delivered as physical floats).
    private static ValueFormat FormatOf(IReadOnlyList<GdfSignal> signals)
    {
        var type = signals[0].TypeCode;
        if (signals.Any(s => s.TypeCode != type)) return ValueFormat.Double64;
        return type switch
        {
            1 => ValueFormat.Int8,
            2 or 3 => ValueFormat.Int16,
            4 or 5 => ValueFormat.Int32,
            6 or 7 or 8 => ValueFormat.Int64,
            16 => ValueFormat.Float32,
            _ => ValueFormat.Double64,
        };
    }
}
