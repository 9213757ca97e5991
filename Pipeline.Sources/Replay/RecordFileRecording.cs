using Pipeline.Core.Signals;

namespace Pipeline.Sources.Replay;

/// <summary>
/// A recording stored as fixed-size data records whose signals are grouped by rate into streams (EDF, BDF, GDF):
/// reads a stream's records in batches of about <see cref="BatchFrames"/> frames and cuts them into chunks, each
/// sample timed by the format's own rule.
/// </summary>
public abstract class RecordFileRecording : Recording
{
    // Records are read in batches of about this many frames, so one-sample records cost no call per sample.
    private const int BatchFrames = 4096;

    /// <summary>The file's signal indices of each stream, in stream order.</summary>
    private protected int[][] Groups { get; init; } = [];

    /// <summary>Data records in the file.</summary>
    private protected abstract int RecordCount { get; }

    /// <summary>Samples per record of signal <paramref name="signal"/>.</summary>
    private protected abstract int SamplesPerRecord(int signal);

    /// <summary>Reads records of the given signals frame-major into <paramref name="destination"/>; returns how many were read.</summary>
    private protected abstract int ReadRecords(int firstRecord, int recordCount, ReadOnlySpan<int> signals, Span<float> destination);

    /// <summary>Seconds from the file start to sample <paramref name="sample"/> of record <paramref name="record"/>.</summary>
    private protected abstract double SampleTime(int record, int sample, int samplesPerRecord, double rate);

    /// <inheritdoc />
    public override IEnumerable<SignalChunk> ReadChunks(int streamIndex, int chunkFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkFrames);
        var signals = Groups[streamIndex];
        var description = Streams[streamIndex].Description;
        var channels = signals.Length;
        var spr = SamplesPerRecord(signals[0]);
        var rate = description.NominalRate;
        // Never more records per batch than the file holds: a header can declare huge records that are not there.
        var perBatch = Math.Min(Math.Max(1, BatchFrames / spr), RecordCount);
        if (perBatch == 0) yield break;
        var batch = new float[perBatch * spr * channels];
        var times = new double[perBatch * spr];
        var chunks = new ChunkAssembler(description, ChunkCapacity(streamIndex, chunkFrames));
        for (var r = 0; r < RecordCount;)
        {
            var got = ReadRecords(r, perBatch, signals, batch);
            if (got == 0) break;
            for (var i = 0; i < got; i++)
                for (var k = 0; k < spr; k++) times[i * spr + k] = SampleTime(r + i, k, spr, rate);
            r += got;
            var available = got * spr;
            for (var s = 0; s < available;)
            {
                s += chunks.Append(batch.AsSpan(s * channels), times.AsSpan(s, available - s));
                if (chunks.IsFull) yield return chunks.Chunk;
            }
        }
        if (chunks.Flush() is { } last) yield return last;
    }
}
