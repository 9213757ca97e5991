namespace Pipeline.Core.Monitoring;

/// <summary>
/// A bounded ring of fixed-width float frames with a time each (scope samples, class probabilities, VAD
/// probabilities), written by one thread and read by any number of others that each keep their own cursor.
/// The writer never waits: a reader that falls behind by more than the capacity loses the oldest frames, and a
/// frame overwritten while it was being copied is discarded by the reader (a sequence check, as in a seqlock).
/// </summary>
public sealed class DisplayRing
{
    private readonly float[] _values;
    private readonly double[] _times;
    private long _written;

    /// <summary>A ring of <paramref name="capacity"/> frames of <paramref name="width"/> values.</summary>
    public DisplayRing(int width, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        Width = width;
        Capacity = capacity;
        _values = new float[width * capacity];
        _times = new double[capacity];
    }

    /// <summary>Values per frame.</summary>
    public int Width { get; }
    /// <summary>Frames kept.</summary>
    public int Capacity { get; }
    /// <summary>Frames written so far (the cursor of the next frame).</summary>
    public long Written => Volatile.Read(ref _written);

    /// <summary>Appends one frame (writer thread only); <paramref name="frame"/> holds <see cref="Width"/> values.</summary>
    public void Append(ReadOnlySpan<float> frame, double time)
    {
        var slot = (int)(_written % Capacity);
        frame[..Width].CopyTo(_values.AsSpan(slot * Width, Width));
        _times[slot] = time;
        Volatile.Write(ref _written, _written + 1);
    }

    /// <summary>
    /// Copies the frames from <paramref name="cursor"/> on (at most as many as the buffers hold: the newest ones when more
    /// are waiting) and advances the cursor past everything written. Returns the frames copied; <paramref name="first"/>
    /// is the sequence number of the first one, so a reader can tell how many it missed.
    /// </summary>
    public int Read(ref long cursor, Span<float> values, Span<double> times, out long first)
    {
        var end = Volatile.Read(ref _written);
        var room = Math.Min(times.Length, values.Length / Width);
        var start = Math.Max(cursor, Math.Max(end - Capacity + 1, end - room));
        start = Math.Max(start, 0);
        var n = (int)Math.Max(0, end - start);
        for (var i = 0; i < n; i++)
        {
            var slot = (int)((start + i) % Capacity);
            _values.AsSpan(slot * Width, Width).CopyTo(values.Slice(i * Width, Width));
            times[i] = _times[slot];
        }
        // The writer may have lapped us while we copied: frames older than (written now - capacity + 1) may be torn.
        Interlocked.MemoryBarrier();
        var valid = Volatile.Read(ref _written) - Capacity + 1;
        if (start < valid)
        {
            var skip = (int)Math.Min(n, valid - start);
            values[(skip * Width)..(n * Width)].CopyTo(values);
            times[skip..n].CopyTo(times);
            n -= skip;
            start += skip;
        }
        cursor = end;
        first = start;
        return n;
    }
}
