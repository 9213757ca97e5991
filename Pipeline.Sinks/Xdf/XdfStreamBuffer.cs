namespace Pipeline.Sinks.Xdf;

/// <summary>
/// Samples of one recorded stream waiting for the next flush: timestamps and frame-major float values, or strings.
/// Arrays grow to the largest batch seen and are then reused, so appending allocates nothing in steady state.
/// </summary>
internal sealed class XdfStreamBuffer(int channels, bool text)
{
    private double[] _timestamps = new double[64];
    private float[] _values = text ? [] : new float[64 * Math.Max(1, channels)];
    private readonly List<string?> _strings = text ? new(64) : [];

    public int Channels { get; } = channels;
    public int Count { get; private set; }
    public ReadOnlySpan<double> Timestamps => _timestamps.AsSpan(0, Count);
    public ReadOnlySpan<float> Values => _values.AsSpan(0, Count * Channels);
    public IReadOnlyList<string?> Strings => _strings;

    public void Append(ReadOnlySpan<double> timestamps, ReadOnlySpan<float> values)
    {
        var n = timestamps.Length;
        Grow(Count + n);
        timestamps.CopyTo(_timestamps.AsSpan(Count));
        values[..(n * Channels)].CopyTo(_values.AsSpan(Count * Channels));
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
    }
}
