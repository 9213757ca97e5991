namespace Pipeline.Lsl;

/// <summary>
/// A bounded single-producer/single-consumer queue of samples that never blocks the producer (liblsl's
/// <c>consumer_queue</c>): when the consumer falls more than <see cref="Capacity"/> samples behind, the oldest are
/// dropped and counted. Samples live in segments of a few dozen KiB that go back to a small pool once read, so memory
/// follows what is actually queued, not the capacity: an inlet asked for 360 s of 64 ch x 10 kHz keeps a few
/// segments while its consumer keeps up (a ring of the whole capacity would touch 900 MB over 6 minutes).
/// </summary>
/// <remarks>
/// Per sample, both sides are lock-free: the producer fills the next slot and publishes the count with a full fence;
/// the consumer copies a slot, then checks that its segment was not recycled meanwhile (a seqlock on the segment's
/// start index). Segment changes (about every 128 samples) take a short lock.
/// </remarks>
internal sealed class SampleQueue
{
    private const int PoolSize = 4;
    private const int SegmentBytes = 32 * 1024;

    private readonly int _sampleBytes;
    private readonly int _channels;
    private readonly bool _strings;
    private readonly int _segmentSamples;
    private readonly int _maxSegments;
    private readonly object _gate = new();
    private readonly Segment?[] _live;     // contiguous run of segments, oldest at _liveHead (under _gate)
    private readonly Stack<Segment> _pool = new();
    private readonly ManualResetEventSlim _signal = new(false, spinCount: 0);
    private int _liveHead;
    private int _liveCount;
    private Segment? _tail;                // producer only
    private Segment? _head;                // consumer only
    private long _headStart = -1;          // the start index _head had when the consumer took it
    private long _written;
    private long _read;
    private int _consumerWaiting;

    public SampleQueue(int capacity, int sampleBytes, int channels, bool strings)
    {
        Capacity = Math.Max(1, capacity);
        _sampleBytes = Math.Max(1, sampleBytes);
        _channels = Math.Max(1, channels);
        _strings = strings;
        var perSample = (strings ? 8 * _channels : _sampleBytes) + 9;
        _segmentSamples = (int)Math.Clamp(Math.Min(SegmentBytes / perSample, Capacity), 1, 4096);
        // Enough segments for the whole capacity plus the one being written and one being read.
        _maxSegments = (int)Math.Min(int.MaxValue / 2, (Capacity + (long)_segmentSamples - 1) / _segmentSamples + 2);
        _live = new Segment?[_maxSegments + 1];
    }

    public int Capacity { get; }

    /// <summary>Samples lost because the consumer fell more than <see cref="Capacity"/> behind.</summary>
    public long Dropped { get; private set; }

    /// <summary>Samples waiting (may exceed what is still readable when the producer recycled segments).</summary>
    public long Available => Math.Min(Volatile.Read(ref _written) - Volatile.Read(ref _read), Capacity);

    /// <summary>Total samples ever written.</summary>
    public long Written => Volatile.Read(ref _written);

    // ---------------------------------------------------------------- producer

    /// <summary>The slot of the next sample to write (bytes); fill it, then call <see cref="Publish"/>.</summary>
    public Span<byte> NextBytes()
    {
        var (segment, offset) = NextSlot();
        return segment.Bytes!.AsSpan(offset * _sampleBytes, _sampleBytes);
    }

    /// <summary>The slot of the next sample to write (strings); fill it, then call <see cref="Publish"/>.</summary>
    public Span<string> NextStrings()
    {
        var (segment, offset) = NextSlot();
        return segment.Strings!.AsSpan(offset * _channels, _channels);
    }

    /// <summary>
    /// Makes the sample written into the last slot visible to the consumer. With <paramref name="wake"/> false a
    /// waiting consumer is not woken yet: the producer calls <see cref="Wake"/> after the last sample of a batch, so a
    /// chunk costs one wake-up, not one per sample.
    /// </summary>
    public void Publish(double timestamp, byte flags, bool wake = true)
    {
        var (segment, offset) = NextSlot();
        segment.Times[offset] = timestamp;
        segment.Flags[offset] = flags;
        Interlocked.Exchange(ref _written, _written + 1);
        if (wake && Volatile.Read(ref _consumerWaiting) != 0) _signal.Set();
    }

    private (Segment Segment, int Offset) NextSlot()
    {
        var w = _written;
        var t = _tail;
        if (t is null || w >= t.Start + _segmentSamples) t = _tail = StartSegment(w);
        return (t, (int)(w - t.Start));
    }

    private Segment StartSegment(long start)
    {
        lock (_gate)
        {
            Segment s;
            if (_pool.Count > 0) s = _pool.Pop();
            else if (_liveCount < _maxSegments) s = new Segment(_segmentSamples, _sampleBytes, _channels, _strings);
            else
            {
                // The consumer is more than the capacity behind: its oldest segment is overwritten (those samples dropped).
                s = _live[_liveHead]!;
                _live[_liveHead] = null;
                _liveHead = (_liveHead + 1) % _live.Length;
                _liveCount--;
            }
            Volatile.Write(ref s.Start, start);
            Interlocked.MemoryBarrier(); // the new start is visible before any of the new data (the consumer's seqlock)
            _live[(_liveHead + _liveCount) % _live.Length] = s;
            _liveCount++;
            return s;
        }
    }

    /// <summary>Wakes the consumer if it waits (after a batch of samples published without waking, or on shutdown).</summary>
    public void Wake()
    {
        if (Volatile.Read(ref _consumerWaiting) != 0) _signal.Set();
    }

    /// <summary>Wakes the consumer whether or not it waits (shutdown: it must see the end at once).</summary>
    public void WakeAlways() => _signal.Set();

    // ---------------------------------------------------------------- consumer

    /// <summary>Copies the oldest sample out; false when empty.</summary>
    public bool TryRead(Span<byte> raw, Span<string> strings, out double timestamp, out byte flags)
    {
        while (true)
        {
            var w = Volatile.Read(ref _written);
            var r = _read;
            if (w - r > Capacity) { Dropped += w - Capacity - r; r = w - Capacity; }
            if (r >= w) { Volatile.Write(ref _read, r); timestamp = 0; flags = 0; return false; }
            var s = _head;
            if (s is null || r < _headStart || r >= _headStart + _segmentSamples)
            {
                s = Locate(ref r);
                if (s is null) { Volatile.Write(ref _read, r); continue; }
            }
            var i = (int)(r - _headStart);
            if (_strings) s.Strings!.AsSpan(i * _channels, _channels).CopyTo(strings);
            else s.Bytes!.AsSpan(i * _sampleBytes, _sampleBytes).CopyTo(raw);
            timestamp = s.Times[i];
            flags = s.Flags[i];
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref s.Start) != _headStart) { _head = null; Volatile.Write(ref _read, r); continue; } // recycled while copying
            Volatile.Write(ref _read, r + 1);
            return true;
        }
    }

    /// <summary>
    /// The segment holding sample <paramref name="r"/>: releases the segments before it to the pool, and moves
    /// <paramref name="r"/> up to the oldest sample still queued when the producer recycled older ones (counted as dropped).
    /// </summary>
    private Segment? Locate(ref long r)
    {
        lock (_gate)
        {
            while (_liveCount > 0 && _live[_liveHead]!.Start + _segmentSamples <= r)
            {
                var done = _live[_liveHead]!;
                _live[_liveHead] = null;
                _liveHead = (_liveHead + 1) % _live.Length;
                _liveCount--;
                if (_pool.Count < PoolSize) _pool.Push(done);
            }
            _head = null;
            if (_liveCount == 0) return null;
            var first = _live[_liveHead]!.Start;
            if (r < first) { Dropped += first - r; r = first; }
            var k = (int)((r - first) / _segmentSamples);
            if (k >= _liveCount) return null;
            var s = _live[(_liveHead + k) % _live.Length]!;
            _head = s;
            _headStart = s.Start;
            return s;
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
    public void Flush() => Volatile.Write(ref _read, Volatile.Read(ref _written));

    private sealed class Segment(int samples, int sampleBytes, int channels, bool strings)
    {
        public long Start = -1;
        public readonly byte[]? Bytes = strings ? null : new byte[samples * sampleBytes];
        public readonly string[]? Strings = strings ? new string[samples * channels] : null;
        public readonly double[] Times = new double[samples];
        public readonly byte[] Flags = new byte[samples];
    }
}
