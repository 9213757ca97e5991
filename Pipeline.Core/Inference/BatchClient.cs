namespace Pipeline.Core.Inference;

/// <summary>
/// One session's connection to a shared <see cref="BatchingModelRunner"/>: a bounded queue of pre-allocated window
/// slots. <see cref="Submit"/> never blocks a live source: when the queue is full the oldest queued window is dropped
/// and counted. In blocking mode (as-fast-as-possible replay) it waits for room instead, so nothing is dropped.
/// </summary>
public sealed class BatchClient : IDisposable
{
    private readonly BatchingModelRunner _owner;
    private readonly WindowQueue _queue;
    private long _completed;
    private volatile bool _closed;

    internal BatchClient(BatchingModelRunner owner, string session, int capacity, int windowSize, BatchResultHandler handler, bool blockWhenFull)
    {
        _owner = owner;
        Session = session;
        _queue = new WindowQueue(capacity, windowSize, blockWhenFull);
        Handler = handler;
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

    internal bool TryTake(Span<float> destination, out WindowTicket ticket) => _queue.TryDequeue(destination, out ticket);

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
        _owner.OnDiscarded(_queue.Close());
        _owner.Disconnect(this);
    }
}
