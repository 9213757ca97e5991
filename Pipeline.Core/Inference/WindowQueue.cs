namespace Pipeline.Core.Inference;

/// <summary>
/// A bounded queue of pre-allocated window slots (each channels x samples) with their tickets. Full: drops the oldest
/// window and counts it (live), or makes the producer wait for room (as-fast-as-possible replay). One short lock per
/// window, never per sample; nothing is allocated after construction.
/// </summary>
public sealed class WindowQueue
{
    private readonly float[] _slots;
    private readonly WindowTicket[] _tickets;
    private readonly object _gate = new();
    private int _head;
    private int _count;
    private long _submitted;
    private long _dropped;
    private bool _closed;

    /// <summary>Creates a queue of <paramref name="capacity"/> windows of <paramref name="windowSize"/> values.</summary>
    public WindowQueue(int capacity, int windowSize, bool blockWhenFull)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowSize);
        Capacity = Math.Max(1, capacity);
        WindowSize = windowSize;
        BlockWhenFull = blockWhenFull;
        _slots = new float[Capacity * windowSize];
        _tickets = new WindowTicket[Capacity];
    }

    /// <summary>Windows the queue holds at most.</summary>
    public int Capacity { get; }
    /// <summary>Values per window.</summary>
    public int WindowSize { get; }
    /// <summary>True: a full queue makes <see cref="Enqueue"/> wait; false: it drops the oldest window.</summary>
    public bool BlockWhenFull { get; }
    /// <summary>Windows enqueued.</summary>
    public long Submitted { get { lock (_gate) return _submitted; } }
    /// <summary>Windows dropped because the queue was full.</summary>
    public long Dropped { get { lock (_gate) return _dropped; } }
    /// <summary>Windows waiting.</summary>
    public int Count { get { lock (_gate) return _count; } }

    /// <summary>Copies a window in; returns true when that made the queue longer (false when it replaced a dropped one).</summary>
    /// <exception cref="ObjectDisposedException">The queue was closed.</exception>
    public bool Enqueue(ReadOnlySpan<float> window, in WindowTicket ticket)
    {
        if (window.Length != WindowSize)
            throw new ArgumentException($"A window of {window.Length} values does not fit the model's {WindowSize}.", nameof(window));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            var dropped = false;
            if (_count == Capacity)
            {
                if (BlockWhenFull)
                {
                    while (_count == Capacity && !_closed) Monitor.Wait(_gate);
                    ObjectDisposedException.ThrowIf(_closed, this);
                }
                else
                {
                    // A stale window is worth nothing in a live BCI: make room by dropping the oldest.
                    _head = (_head + 1) % Capacity;
                    _count--;
                    _dropped++;
                    dropped = true;
                }
            }
            var slot = (_head + _count) % Capacity;
            window.CopyTo(_slots.AsSpan(slot * WindowSize, WindowSize));
            _tickets[slot] = ticket;
            _count++;
            _submitted++;
            return !dropped;
        }
    }

    /// <summary>Moves the oldest window into <paramref name="destination"/>; false when the queue is empty.</summary>
    public bool TryDequeue(Span<float> destination, out WindowTicket ticket)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                ticket = default;
                return false;
            }
            _slots.AsSpan(_head * WindowSize, WindowSize).CopyTo(destination);
            ticket = _tickets[_head];
            _head = (_head + 1) % Capacity;
            _count--;
            if (BlockWhenFull) Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Discards what is queued and wakes a waiting producer; returns how many windows were discarded.</summary>
    public int Close()
    {
        lock (_gate)
        {
            _closed = true;
            var discarded = _count;
            _count = 0;
            Monitor.PulseAll(_gate);
            return discarded;
        }
    }
}
