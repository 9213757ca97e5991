using Pipeline.Core.Signals;

namespace Pipeline.Sources.Replay;

/// <summary>
/// Cuts blocks of frames as a file stores them (XDF chunks, EDF/GDF records) into chunks of a fixed size, reusing one
/// output chunk. Usage: <see cref="Append"/> until <see cref="IsFull"/>, hand out <see cref="Chunk"/>, repeat; at the
/// end, <see cref="Flush"/> returns the partial last chunk (or null).
/// </summary>
internal sealed class ChunkAssembler
{
    private readonly StreamDescription _description;
    private readonly int _chunkFrames;
    private readonly int _channels;
    private int _filled;

    public ChunkAssembler(StreamDescription description, int chunkFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkFrames);
        _description = description;
        _chunkFrames = chunkFrames;
        _channels = description.ChannelCount;
        Chunk = new SignalChunk(description, chunkFrames);
    }

    /// <summary>The chunk being filled (reused after it was handed out).</summary>
    public SignalChunk Chunk { get; }

    /// <summary>True when the chunk holds a full set of frames.</summary>
    public bool IsFull => _filled == _chunkFrames;

    /// <summary>
    /// Copies frames (frame-major values and one timestamp each) into the chunk until it is full; returns how many
    /// frames were taken. A full chunk must be handed out before the next call.
    /// </summary>
    public int Append(ReadOnlySpan<float> values, ReadOnlySpan<double> timestamps)
    {
        if (_filled == _chunkFrames) _filled = 0;
        if (_filled == 0) Chunk.Reset(_description, _chunkFrames);
        var take = Math.Min(_chunkFrames - _filled, timestamps.Length);
        values.Slice(0, take * _channels).CopyTo(Chunk.Data.AsSpan(_filled * _channels));
        timestamps.Slice(0, take).CopyTo(Chunk.Timestamps.AsSpan(_filled));
        _filled += take;
        return take;
    }

    /// <summary>The last, partly filled chunk, or null when nothing is left.</summary>
    public SignalChunk? Flush()
    {
        if (_filled == 0 || _filled == _chunkFrames) return null;
        Chunk.Reset(_description, _filled);
        _filled = 0;
        return Chunk;
    }
}
