using System.Runtime.ExceptionServices;

namespace Pipeline.Core.Sessions;

/// <summary>
/// A session listening to its source (<see cref="DecodingSession.Start(IObservable{Signals.SourceEvent}, IObserver{SessionEvent})"/>):
/// wait for it to end, or dispose it to stop listening (then no summary is handed on).
/// </summary>
public sealed class RunningSession : IDisposable
{
    private readonly ManualResetEventSlim _done = new();
    private IDisposable? _subscription;
    private volatile Exception? _failure;

    internal RunningSession() { }

    /// <summary>The failure that ended the source, an operator or a sink, if any.</summary>
    public Exception? Failure => _failure;

    /// <summary>The summary, once the session ran to its end (or was stopped through its source).</summary>
    public SessionSummary? Summary { get; private set; }

    /// <summary>True once the session completed or failed.</summary>
    public bool IsDone => _done.IsSet;

    internal void Attach(IDisposable subscription) => _subscription = subscription;

    internal void SetSummary(SessionSummary summary) => Summary = summary;

    internal void Fail(Exception e)
    {
        _failure ??= e;
        _done.Set();
    }

    internal void Complete() => _done.Set();

    /// <summary>Waits until the session ends or <paramref name="cancel"/> fires (then it returns quietly).</summary>
    public void Wait(CancellationToken cancel = default)
    {
        try { _done.Wait(cancel); }
        catch (OperationCanceledException) { }
    }

    /// <summary>Waits at most <paramref name="timeout"/>; true when the session ended.</summary>
    public bool Wait(TimeSpan timeout) => _done.Wait(timeout);

    /// <summary>Rethrows <see cref="Failure"/>, if any, with its original stack trace.</summary>
    public void ThrowIfFailed()
    {
        if (_failure is { } f) ExceptionDispatchInfo.Capture(f).Throw();
    }

    /// <summary>Stops listening (the event is left to the collector: a late signal from another thread must not meet a disposed one).</summary>
    public void Dispose() => _subscription?.Dispose();
}
