namespace Pipeline.Lsl;

/// <summary>
/// A bounded single-producer/single-consumer queue of samples that never blocks the producer: when full, the newest
/// sample overwrites the oldest, and the consumer notices (sequence numbers) and counts the loss. Storage grows in
/// pages up to the capacity, so a large nominal buffer costs memory only when it is actually filled. Lock-free:
/// the producer publishes with a full fence, the consumer re-checks after copying that its slot was not overwritten.
/// </summary>
internal sealed class SampleRing
{
    private const int PageShift = 8;
    private const int PageSize = 1 << PageShift;

    private readonly int _sampleBytes;
    private readonly int _channels;
    private readonly bool _strings;
    private readonly byte[]?[] _pages;
    private readonly string[]?[] _stringPages;
    private readonly double[]?[] _timePages;
    private readonly byte[]?[] _flagPages;
    private readonly ManualResetEventSlim _signal = new(false);
    private long _written;
    private long _read;
    private int _consumerWaiting;

    public SampleRing(int capacity, int sampleBytes, int channels, bool strings)
    {
        Capacity = Math.Max(1, capacity);
        _sampleBytes = Math.Max(1, sampleBytes);
        _channels = channels;
        _strings = strings;
        var pages = (Capacity + PageSize - 1) >> PageShift;
        _pages = new byte[]?[pages];
        _stringPages = new string[]?[pages];
        _timePages = new double[]?[pages];
        _flagPages = new byte[]?[pages];
    }

    public int Capacity { get; }

    /// <summary>Samples lost because the consumer fell more than <see cref="Capacity"/> behind.</summary>
    public long Dropped { get; private set; }

    /// <summary>Samples waiting (may exceed what is still readable when the producer wrapped).</summary>
    public long Available => Math.Min(Volatile.Read(ref _written) - _read, Capacity);

    /// <summary>Total samples ever written.</summary>
    public long Written => Volatile.Read(ref _written);

    // ---------------------------------------------------------------- producer

    /// <summary>The slot of the next sample to write (bytes); fill it, then call <see cref="Publish"/>.</summary>
    public Span<byte> NextBytes()
    {
        var s = _written;
        if (s >= Capacity) Interlocked.MemoryBarrier(); // orders these data writes after the last publish (seqlock)
        var slot = (int)(s % Capacity);
        var page = _pages[slot >> PageShift] ??= new byte[PageSize * _sampleBytes];
        return page.AsSpan((slot & (PageSize - 1)) * _sampleBytes, _sampleBytes);
    }

    /// <summary>The slot of the next sample to write (strings); fill it, then call <see cref="Publish"/>.</summary>
    public Span<string> NextStrings()
    {
        var s = _written;
        if (s >= Capacity) Interlocked.MemoryBarrier();
        var slot = (int)(s % Capacity);
        var page = _stringPages[slot >> PageShift] ??= new string[PageSize * _channels];
        return page.AsSpan((slot & (PageSize - 1)) * _channels, _channels);
    }

    public void Publish(double timestamp, byte flags)
    {
        var s = _written;
        var slot = (int)(s % Capacity);
        var tp = _timePages[slot >> PageShift] ??= new double[PageSize];
        var fp = _flagPages[slot >> PageShift] ??= new byte[PageSize];
        tp[slot & (PageSize - 1)] = timestamp;
        fp[slot & (PageSize - 1)] = flags;
        Interlocked.Exchange(ref _written, s + 1);
        if (Volatile.Read(ref _consumerWaiting) != 0) _signal.Set();
    }

    /// <summary>Wakes a waiting consumer without data (e.g. on shutdown).</summary>
    public void Wake() => _signal.Set();

    // ---------------------------------------------------------------- consumer

    /// <summary>Copies the oldest sample out; false when empty.</summary>
    public bool TryRead(Span<byte> raw, Span<string> strings, out double timestamp, out byte flags)
    {
        while (true)
        {
            var w = Volatile.Read(ref _written);
            var r = _read;
            if (w - r > Capacity) { Dropped += w - Capacity - r; r = w - Capacity; }
            if (r == w) { _read = r; timestamp = 0; flags = 0; return false; }
            var slot = (int)(r % Capacity);
            var p = slot >> PageShift;
            var i = slot & (PageSize - 1);
            if (_strings) _stringPages[p]!.AsSpan(i * _channels, _channels).CopyTo(strings);
            else _pages[p]!.AsSpan(i * _sampleBytes, _sampleBytes).CopyTo(raw);
            timestamp = _timePages[p]![i];
            flags = _flagPages[p]![i];
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _written) - r >= Capacity) { _read = r; continue; } // overwritten while copying: skip ahead
            _read = r + 1;
            return true;
        }
    }

    /// <summary>Waits until a sample is available or the timeout passes; true when one is.</summary>
    public bool WaitForData(TimeSpan timeout)
    {
        if (Volatile.Read(ref _written) > _read) return true;
        _signal.Reset();
        Interlocked.Exchange(ref _consumerWaiting, 1);
        try
        {
            if (Volatile.Read(ref _written) > _read) return true;
            _signal.Wait(timeout);
            return Volatile.Read(ref _written) > _read;
        }
        finally { Volatile.Write(ref _consumerWaiting, 0); }
    }

    /// <summary>Drops everything queued (consumer side).</summary>
    public void Flush()
    {
        var w = Volatile.Read(ref _written);
        _read = w;
    }
}
