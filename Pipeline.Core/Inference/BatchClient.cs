namespace Pipeline.Core.Inference;

/// <summary>
/// One session's connection to a shared <see cref="BatchingModelRunner"/>: a bounded queue of pre-allocated window
/// slots. <see cref="Submit"/> never blocks a live source: when the queue is full the oldest queued window is dropped
/// and counted. In blocking mode (as-fast-as-possible replay) it waits for room instead, so nothing is dropped.
/// </summary>
public sealed class BatchClient : IDisposable
{
    private readonly BatchingModelRunner _owner;
    private readonly float[] _slots;
    private readonly WindowTicket[] _tickets;
    private readonly int _windowSize;
    private readonly object _gate = new();
    private int _head;
    private int _count;
    private long _submitted;
    private long _dropped;
    private long _completed;
    private volatile bool _closed;

    internal BatchClient(BatchingModelRunner owner, string session, int capacity, int windowSize, BatchResultHandler handler, bool blockWhenFull)
    {
        _owner = owner;
        Session = session;
        Capacity = Math.Max(1, capacity);
        _windowSize = windowSize;
        _slots = new float[Capacity * windowSize];
        _tickets = new WindowTicket[Capacity];
        Handler = handler;
        BlockWhenFull = blockWhenFull;
    }

    /// <summary>The session this client serves.</summary>
    public string Session { get; }
    /// <summary>Windows the queue holds at most.</summary>
    public int Capacity { get; }
    /// <summary>True: <see cref="Submit"/> waits for room (replay); false: it drops the oldest (live).</summary>
    public bool BlockWhenFull { get; }
    /// <summary>Windows submitted.</summary>
    public long Submitted => Interlocked.Read(ref _submitted);
    /// <summary>Windows dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
    /// <summary>Windows whose results were delivered.</summary>
    public long Completed => Interlocked.Read(ref _completed);
    /// <summary>Windows waiting in the queue.</summary>
    public int Queued { get { lock (_gate) return _count; } }

    internal BatchResultHandler Handler { get; }
    internal bool IsClosed => _closed;

    /// <summary>Queues a window (channels x samples, exactly as the model takes it). Allocation-free.</summary>
    public void Submit(ReadOnlySpan<float> window, in WindowTicket ticket)
    {
        if (window.Length != _windowSize)
            throw new ArgumentException($"A window of {window.Length} values does not fit the model's {_windowSize}.", nameof(window));
        ObjectDisposedException.ThrowIf(_closed, this);
        var dropped = false;
        lock (_gate)
        {
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
            window.CopyTo(_slots.AsSpan(slot * _windowSize, _windowSize));
            _tickets[slot] = ticket;
            _count++;
            _submitted++;
        }
        if (!dropped) _owner.OnQueued();
    }

    /// <summary>Moves the oldest queued window into <paramref name="destination"/>; false when the queue is empty.</summary>
    internal bool TryTake(Span<float> destination, out WindowTicket ticket)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                ticket = default;
                return false;
            }
            _slots.AsSpan(_head * _windowSize, _windowSize).CopyTo(destination);
            ticket = _tickets[_head];
            _head = (_head + 1) % Capacity;
            _count--;
            if (BlockWhenFull) Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Why this client stopped receiving results (its handler threw), or null.</summary>
    public Exception? Failure { get; private set; }

    internal void Deliver(in WindowTicket ticket, ReadOnlySpan<float> probabilities)
    {
        if (_closed) return;
        try
        {
            Handler(ticket, probabilities);
            Interlocked.Increment(ref _completed);
        }
        catch (Exception e)
        {
            // One session's failing sink must not stop the inference thread that every other session shares.
            Failure = e;
            Dispose();
        }
    }

    /// <summary>Waits until every submitted window that was not dropped has its result (or <paramref name="cancel"/> fires).</summary>
    public void WaitIdle(CancellationToken cancel)
    {
        var spin = new SpinWait();
        while (!cancel.IsCancellationRequested && Completed + Dropped < Submitted && !_closed)
        {
            if (spin.NextSpinWillYield) Thread.Sleep(1);
            else spin.SpinOnce();
        }
    }

    /// <summary>Leaves the runner: queued windows are discarded, results in flight are not delivered.</summary>
    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        lock (_gate)
        {
            var discarded = _count;
            _count = 0;
            Monitor.PulseAll(_gate);
            _owner.OnDiscarded(discarded);
        }
        _owner.Disconnect(this);
    }
}
