using Pipeline.Core.Signals;

namespace Pipeline.Sinks.Xdf;

/// <summary>
/// Samples of one recorded stream waiting for the next flush: timestamps and frame-major values, or strings. Values
/// are held in the recorded format's own precision: float for float32, long for int64, double for every other format
/// (exact for int8/16/32 and double64), so what a source hands over exactly reaches the file exactly.
/// Arrays grow to the largest batch seen and are then reused, so appending allocates nothing in steady state.
/// </summary>
internal sealed class XdfStreamBuffer
{
    private double[] _timestamps = new double[64];
    private float[] _values = [];
    private double[] _doubles = [];
    private long[] _integers = [];
    private readonly List<string?> _strings;
    private readonly Storage _storage;

    private enum Storage { Text, Float, Double, Int64 }

    /// <summary>A buffer for a string stream (<paramref name="text"/>) or a float32 one.</summary>
    public XdfStreamBuffer(int channels, bool text) : this(channels, text ? ValueFormat.String : ValueFormat.Float32)
    {
    }

    /// <summary>A buffer for a stream recorded as <paramref name="format"/>.</summary>
    public XdfStreamBuffer(int channels, ValueFormat format)
    {
        Channels = channels;
        _storage = format switch
        {
            ValueFormat.String => Storage.Text,
            ValueFormat.Float32 => Storage.Float,
            ValueFormat.Int64 => Storage.Int64,
            _ => Storage.Double,
        };
        var size = 64 * Math.Max(1, channels);
        switch (_storage)
        {
            case Storage.Float: _values = new float[size]; break;
            case Storage.Double: _doubles = new double[size]; break;
            case Storage.Int64: _integers = new long[size]; break;
        }
        _strings = _storage == Storage.Text ? new(64) : [];
    }

    public int Channels { get; }
    public int Count { get; private set; }
    public ReadOnlySpan<double> Timestamps => _timestamps.AsSpan(0, Count);
    public IReadOnlyList<string?> Strings => _strings;

    /// <summary>Writes the buffered samples to stream <paramref name="id"/> of <paramref name="writer"/>, in the precision they are held in.</summary>
    public void WriteTo(Pipeline.Lsl.Xdf.XdfWriter writer, uint id)
    {
        var n = Count * Channels;
        switch (_storage)
        {
            case Storage.Text: writer.WriteStringSamples(id, Timestamps, _strings); break;
            case Storage.Float: writer.WriteSamples(id, Timestamps, _values.AsSpan(0, n)); break;
            case Storage.Double: writer.WriteSamples(id, Timestamps, _doubles.AsSpan(0, n)); break;
            default: writer.WriteSamples(id, Timestamps, _integers.AsSpan(0, n)); break;
        }
    }

    /// <summary>Appends float32 frames (converted exactly to double, or to the nearest int64 for an int64 stream).</summary>
    public void Append(ReadOnlySpan<double> timestamps, ReadOnlySpan<float> values)
    {
        var n = timestamps.Length;
        var start = Count * Channels;
        Grow(Count + n);
        timestamps.CopyTo(_timestamps.AsSpan(Count));
        values = values[..(n * Channels)];
        switch (_storage)
        {
            case Storage.Float: values.CopyTo(_values.AsSpan(start)); break;
            case Storage.Double:
                for (var i = 0; i < values.Length; i++) _doubles[start + i] = values[i];
                break;
            case Storage.Int64:
                // Rounded to nearest (ties to even) and saturated, as XdfWriter encodes a float into an integer format.
                for (var i = 0; i < values.Length; i++) _integers[start + i] = float.IsNaN(values[i]) ? 0 : (long)Math.Round((double)values[i]);
                break;
            default: throw new InvalidOperationException("A string stream takes text samples.");
        }
        Count += n;
    }

    /// <summary>
    /// Appends a source's chunk: its exact values where it carries them in this buffer's precision (an LSL int32,
    /// int64 or double64 stream), else its float32 values.
    /// </summary>
    public void Append(SignalChunk chunk)
    {
        var exact = chunk.Exact;
        var fits = exact is not null && (_storage == Storage.Int64 ? exact.IsInt64 : _storage == Storage.Double && !exact.IsInt64);
        if (!fits)
        {
            Append(chunk.TimestampSpan, chunk.Samples);
            return;
        }
        var n = chunk.Frames;
        var start = Count * Channels;
        Grow(Count + n);
        chunk.TimestampSpan.CopyTo(_timestamps.AsSpan(Count));
        if (_storage == Storage.Int64) exact!.Int64Values[..(n * Channels)].CopyTo(_integers.AsSpan(start));
        else exact!.Doubles[..(n * Channels)].CopyTo(_doubles.AsSpan(start));
        Count += n;
    }

    public void Append(double timestamp, string text)
    {
        Grow(Count + 1);
        _timestamps[Count++] = timestamp;
        _strings.Add(text);
    }

    public void Clear()
    {
        Count = 0;
        _strings.Clear();
    }

    private void Grow(int needed)
    {
        if (needed <= _timestamps.Length) return;
        var size = Math.Max(needed, _timestamps.Length * 2);
        Array.Resize(ref _timestamps, size);
        if (_values.Length > 0) Array.Resize(ref _values, size * Channels);
        if (_doubles.Length > 0) Array.Resize(ref _doubles, size * Channels);
        if (_integers.Length > 0) Array.Resize(ref _integers, size * Channels);
    }
}
