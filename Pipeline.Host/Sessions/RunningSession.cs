namespace Pipeline.Host.Sessions;

/// <summary>A session listening to its source: wait for the source to end, or dispose to stop listening.</summary>
internal sealed class RunningSession : IDisposable
{
    private readonly ManualResetEventSlim _done = new();
    private IDisposable? _source;
    private IDisposable? _windows;

    /// <summary>The failure that ended the source or the operators, if any.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>True once the source completed or failed.</summary>
    public bool IsDone => _done.IsSet;

    internal void Attach(IDisposable source, IDisposable windows)
    {
        _source = source;
        _windows = windows;
    }

    internal void Fail(Exception e)
    {
        Failure ??= e;
        _done.Set();
    }

    internal void Complete() => _done.Set();

    /// <summary>Waits until the source ends or <paramref name="cancel"/> fires (then it returns quietly).</summary>
    public void Wait(CancellationToken cancel)
    {
        try { _done.Wait(cancel); }
        catch (OperationCanceledException) { }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _source?.Dispose();
        _windows?.Dispose();
        _done.Dispose();
    }
}
