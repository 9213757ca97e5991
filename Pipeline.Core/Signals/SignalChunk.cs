using System.Diagnostics;

namespace Pipeline.Core.Signals;

/// <summary>
/// A block of consecutive frames of one stream: <see cref="Frames"/> x <see cref="Channels"/> float32 values
/// stored frame-major (all channels of frame 0, then frame 1, ...), one timestamp per frame in seconds of the
/// LSL clock, and the local arrival time (Stopwatch ticks) when the newest frame entered the process.
/// </summary>
/// <remarks>
/// Ownership: operators reuse their output chunks to stay allocation-free, so a chunk received in
/// <c>OnNext</c> is valid only until that call returns. A consumer that keeps it must <see cref="Clone"/> it.
/// The backing arrays may be longer than the valid region; always use <see cref="Samples"/> and
/// <see cref="TimestampSpan"/> (or <see cref="Frames"/>) rather than the array lengths.
/// </remarks>
public sealed class SignalChunk
{
    private float[] _data;
    private double[] _timestamps;

    /// <summary>Creates an empty chunk with room for <paramref name="capacityFrames"/> frames.</summary>
    public SignalChunk(StreamDescription description, int capacityFrames)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentOutOfRangeException.ThrowIfNegative(capacityFrames);
        Description = description;
        Channels = description.ChannelCount;
        _data = new float[Math.Max(1, capacityFrames) * Math.Max(1, Channels)];
        _timestamps = new double[Math.Max(1, capacityFrames)];
    }

    /// <summary>Wraps existing arrays (no copy). <paramref name="data"/> is frame-major.</summary>
    public SignalChunk(StreamDescription description, float[] data, double[] timestamps, int frames, long arrivalTicks)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(timestamps);
        Description = description;
        Channels = description.ChannelCount;
        if (frames < 0 || frames > timestamps.Length || (long)frames * Channels > data.Length)
            throw new ArgumentException($"A chunk of {frames} frames x {Channels} channels does not fit arrays of {data.Length} values and {timestamps.Length} timestamps.");
        _data = data;
        _timestamps = timestamps;
        Frames = frames;
        ArrivalTicks = arrivalTicks;
    }

    /// <summary>The stream this chunk belongs to.</summary>
    public StreamDescription Description { get; private set; }
    /// <summary>Number of channels per frame.</summary>
    public int Channels { get; private set; }
    /// <summary>Number of valid frames.</summary>
    public int Frames { get; private set; }
    /// <summary>Local arrival time of the newest frame, in <see cref="Stopwatch"/> ticks.</summary>
    public long ArrivalTicks { get; set; }
    /// <summary>
    /// The values exactly as the stream sent them, where its format is one float32 cannot hold (an LSL int32, int64 or
    /// double64 stream), for a recorder to keep bit for bit; null where <see cref="Samples"/> are the values as sent.
    /// Set by the source on its own chunk only: an operator's output chunk never carries it.
    /// </summary>
    public ExactSamples? Exact { get; set; }
    /// <summary>Frame capacity of the backing buffers.</summary>
    public int CapacityFrames => _timestamps.Length;

    /// <summary>The valid values, frame-major.</summary>
    public Span<float> Samples => _data.AsSpan(0, Frames * Channels);
    /// <summary>The valid timestamps, one per frame.</summary>
    public Span<double> TimestampSpan => _timestamps.AsSpan(0, Frames);
    /// <summary>The backing value array (frame-major; may be longer than the valid region).</summary>
    public float[] Data => _data;
    /// <summary>The backing timestamp array (may be longer than <see cref="Frames"/>).</summary>
    public double[] Timestamps => _timestamps;

    /// <summary>The values of one frame.</summary>
    public Span<float> Frame(int index) => _data.AsSpan(index * Channels, Channels);
    /// <summary>Timestamp of the first frame (NaN when empty).</summary>
    public double FirstTimestamp => Frames > 0 ? _timestamps[0] : double.NaN;
    /// <summary>Timestamp of the last frame (NaN when empty).</summary>
    public double LastTimestamp => Frames > 0 ? _timestamps[Frames - 1] : double.NaN;

    /// <summary>
    /// Makes the chunk hold <paramref name="frames"/> frames of <paramref name="description"/>, growing the buffers
    /// only when they are too small (so a reused chunk stops allocating once it has seen its largest size).
    /// </summary>
    public void Reset(StreamDescription description, int frames)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        Description = description;
        Channels = description.ChannelCount;
        if (_timestamps.Length < frames) _timestamps = new double[frames];
        if (_data.Length < frames * Channels) _data = new float[frames * Channels];
        Frames = frames;
    }

    /// <summary>A deep copy that the caller owns.</summary>
    public SignalChunk Clone()
    {
        var copy = new SignalChunk(Description, Math.Max(1, Frames));
        copy.Frames = Frames;
        Samples.CopyTo(copy._data);
        TimestampSpan.CopyTo(copy._timestamps);
        copy.ArrivalTicks = ArrivalTicks;
        copy.Exact = Exact?.Clone();
        return copy;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Description.Name}: {Frames} x {Channels} @ {FirstTimestamp:F4}..{LastTimestamp:F4}";
}
