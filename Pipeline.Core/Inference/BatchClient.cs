namespace Pipeline.Core.Inference;

/// <summary>
/// One session's connection to a shared <see cref="BatchingModelRunner"/>: a bounded queue of pre-allocated window
/// slots. <see cref="Submit"/> never blocks a live source: when the queue is full the oldest queued window is dropped
/// and counted. In blocking mode (as-fast-as-possible replay) it waits for room instead, so nothing is dropped.
/// Results come back in the order the windows were queued, also when several inference workers ran them.
/// </summary>
public sealed class BatchClient : IDisposable
{
    private readonly BatchingModelRunner _owner;
    private readonly WindowQueue _queue;
    private long _completed;
    private volatile bool _closed;

    // Order of results across workers: every window taken from the queue gets the next sequence number (under
    // _takeGate, so numbers follow queue order); a result whose predecessors are still running waits in a slot of
    // _pending until they are out. At most _inFlight windows are taken and not yet delivered, so the slots suffice.
    private readonly object _takeGate = new();
    private readonly object _deliverGate = new();
    private readonly int _inFlight;
    private readonly int _classes;
    private readonly float[] _pending;
    private readonly WindowTicket[] _pendingTickets;
    private readonly bool[] _ready;
    private long _nextTake;
    private long _nextDeliver;
    private bool _delivering;
    private int _heldBack;

    internal BatchClient(BatchingModelRunner owner, string session, int capacity, int windowSize, BatchResultHandler handler, bool blockWhenFull)
    {
        _owner = owner;
        Session = session;
        _queue = new WindowQueue(capacity, windowSize, blockWhenFull);
        Handler = handler;
        _inFlight = owner.InFlightPerClient;
        _classes = owner.Classes;
        _pending = new float[_inFlight * _classes];
        _pendingTickets = new WindowTicket[_inFlight];
        _ready = new bool[_inFlight];
    }

    /// <summary>The session this client serves.</summary>
    public string Session { get; }
    /// <summary>Windows the queue holds at most.</summary>
    public int Capacity => _queue.Capacity;
    /// <summary>True: <see cref="Submit"/> waits for room (replay); false: it drops the oldest (live).</summary>
    public bool BlockWhenFull => _queue.BlockWhenFull;
    /// <summary>Windows submitted.</summary>
    public long Submitted => _queue.Submitted;
    /// <summary>Windows dropped because the queue was full.</summary>
    public long Dropped => _queue.Dropped;
    /// <summary>Windows whose results were delivered.</summary>
    public long Completed => Interlocked.Read(ref _completed);
    /// <summary>Windows waiting in the queue.</summary>
    public int Queued => _queue.Count;

    internal BatchResultHandler Handler { get; }
    internal bool IsClosed => _closed;

    /// <summary>Queues a window (channels x samples, exactly as the model takes it). Allocation-free.</summary>
    public void Submit(ReadOnlySpan<float> window, in WindowTicket ticket)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (_queue.Enqueue(window, ticket)) _owner.OnQueued();
    }

    /// <summary>Takes the oldest window for a worker's batch, with its sequence number; false when none may be taken.</summary>
    internal bool TryTake(Span<float> destination, out WindowTicket ticket, out long sequence)
    {
        lock (_takeGate)
        {
            var full = _nextTake - Interlocked.Read(ref _nextDeliver) >= _inFlight;
            if (full)
            {
                // Flag first, then look again: either this look sees the delivery that frees room, or that delivery
                // sees the flag and wakes the workers (no wake-up can fall between the two).
                Interlocked.Exchange(ref _heldBack, 1);
                full = _nextTake - Interlocked.Read(ref _nextDeliver) >= _inFlight;
            }
            if (full || !_queue.TryDequeue(destination, out ticket))
            {
                ticket = default;
                sequence = 0;
                return false;
            }
            sequence = _nextTake++;
            return true;
        }
    }

    /// <summary>A worker has the result of window <paramref name="sequence"/>: delivers it and any results it held up, in order.</summary>
    internal void Complete(long sequence, in WindowTicket ticket, ReadOnlySpan<float> probabilities)
    {
        lock (_deliverGate)
        {
            if (_closed) return;
            if (_delivering || sequence != _nextDeliver)
            {
                // An earlier window is still running (or being delivered): keep this result until its turn.
                var slot = (int)(sequence % _inFlight);
                probabilities.CopyTo(_pending.AsSpan(slot * _classes, _classes));
                _pendingTickets[slot] = ticket;
                _ready[slot] = true;
                return;
            }
            _delivering = true;
        }
        // The handler runs outside the lock (it may take the session's own locks); only this thread delivers now.
        Deliver(ticket, probabilities);
        while (true)
        {
            int slot;
            WindowTicket next;
            lock (_deliverGate)
            {
                Interlocked.Increment(ref _nextDeliver);
                slot = (int)(_nextDeliver % _inFlight);
                if (_closed || !_ready[slot])
                {
                    _delivering = false;
                    break;
                }
                _ready[slot] = false;
                next = _pendingTickets[slot];
            }
            Deliver(next, _pending.AsSpan(slot * _classes, _classes));
        }
        // A session held back by its in-flight limit may have windows queued that no worker would take until now.
        if (Volatile.Read(ref _heldBack) == 1 && Interlocked.Exchange(ref _heldBack, 0) == 1) _owner.Wake();
    }

    /// <summary>Why this client stopped receiving results (its handler threw), or null.</summary>
    public Exception? Failure { get; private set; }

    private void Deliver(in WindowTicket ticket, ReadOnlySpan<float> probabilities)
    {
        if (_closed) return;
        try
        {
            Handler(ticket, probabilities);
            Interlocked.Increment(ref _completed);
        }
        catch (Exception e)
        {
            // One session's failing sink must not stop the inference workers that every other session shares.
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
        _owner.OnDiscarded(_queue.Close());
        _owner.Disconnect(this);
    }
}
