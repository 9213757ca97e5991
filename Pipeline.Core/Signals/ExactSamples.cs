namespace Pipeline.Core.Signals;

/// <summary>
/// The values of a chunk exactly as its stream sent them, for formats that float32 cannot hold (int32 above 2^24,
/// int64, double64; int8 and int16 for uniformity): a recorder writes these, bit for bit, while the decoder reads the
/// chunk's float32 values. Every format but int64 is held as double (exact for int8/16/32 and double64), int64 as long.
/// </summary>
/// <remarks>
/// Like the chunk it belongs to, it is reused by its source: valid only during <c>OnNext</c>; <see cref="Clone"/> to keep it.
/// Buffers grow to the largest chunk and are then reused, so filling it allocates nothing in steady state.
/// </remarks>
public sealed class ExactSamples
{
    private double[] _doubles = [];
    private long[] _integers = [];

    /// <summary>Creates an empty buffer for values of <paramref name="format"/> with room for <paramref name="capacity"/> values.</summary>
    /// <exception cref="ArgumentException"><paramref name="format"/> is float32 (chunks hold it exactly) or string (no samples).</exception>
    public ExactSamples(ValueFormat format, int capacity)
    {
        if (format is ValueFormat.Float32 or ValueFormat.String)
            throw new ArgumentException($"{format} values need no exact copy: float32 chunks hold them as they are, and strings are markers.", nameof(format));
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Format = format;
        if (IsInt64) _integers = new long[capacity];
        else _doubles = new double[capacity];
    }

    /// <summary>The stream's own value format.</summary>
    public ValueFormat Format { get; }

    /// <summary>True when the values are int64 (held in <see cref="Int64Values"/>); otherwise they are in <see cref="Doubles"/>.</summary>
    public bool IsInt64 => Format == ValueFormat.Int64;

    /// <summary>Number of valid values (frames x channels, frame-major).</summary>
    public int Count { get; private set; }

    /// <summary>The valid values of an int8, int16, int32 or double64 stream (empty for int64).</summary>
    public Span<double> Doubles => _doubles.AsSpan(0, IsInt64 ? 0 : Count);

    /// <summary>The valid values of an int64 stream (empty otherwise).</summary>
    public Span<long> Int64Values => _integers.AsSpan(0, IsInt64 ? Count : 0);

    /// <summary>Room for <paramref name="count"/> values to be filled in (the whole backing buffer, at least that long).</summary>
    public Span<double> DoubleBuffer(int count)
    {
        if (_doubles.Length < count) _doubles = new double[count];
        return _doubles;
    }

    /// <summary>Room for <paramref name="count"/> int64 values to be filled in (the whole backing buffer, at least that long).</summary>
    public Span<long> Int64Buffer(int count)
    {
        if (_integers.Length < count) _integers = new long[count];
        return _integers;
    }

    /// <summary>Marks the first <paramref name="count"/> values of the buffer valid.</summary>
    public void SetCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, IsInt64 ? _integers.Length : _doubles.Length);
        Count = count;
    }

    /// <summary>Writes the values as float32 (nearest) into <paramref name="destination"/>, for the decoder.</summary>
    public void CopyTo(Span<float> destination)
    {
        // int64 goes through double, as a float pull of the stream does, so both paths give the same floats.
        if (IsInt64)
        {
            var values = Int64Values;
            for (var i = 0; i < values.Length; i++) destination[i] = (float)(double)values[i];
        }
        else
        {
            var values = Doubles;
            for (var i = 0; i < values.Length; i++) destination[i] = (float)values[i];
        }
    }

    /// <summary>A deep copy that the caller owns.</summary>
    public ExactSamples Clone()
    {
        var copy = new ExactSamples(Format, Count);
        if (IsInt64) Int64Values.CopyTo(copy._integers);
        else Doubles.CopyTo(copy._doubles);
        copy.Count = Count;
        return copy;
    }
}
