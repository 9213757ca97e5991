namespace Pipeline.Host.Cli;

/// <summary>A cancellation that Ctrl+C (and optionally a duration) fires, for verbs that run until stopped.</summary>
internal sealed class ConsoleCancellation : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly ConsoleCancelEventHandler _onCancel;

    /// <summary>Listens for Ctrl+C; with <paramref name="afterSeconds"/>, also cancels after that long.</summary>
    public ConsoleCancellation(double? afterSeconds = null)
    {
        _onCancel = (_, e) =>
        {
            e.Cancel = true;
            _cancel.Cancel();
        };
        Console.CancelKeyPress += _onCancel;
        if (afterSeconds is { } s) _cancel.CancelAfter(TimeSpan.FromSeconds(s));
    }

    /// <summary>Fires at Ctrl+C or when the duration has passed.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>Cancels now (e.g. when the input went quiet); a timer that fires once the verb has finished does nothing.</summary>
    public void Cancel()
    {
        try { _cancel.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Console.CancelKeyPress -= _onCancel;
        _cancel.Dispose();
    }
}
