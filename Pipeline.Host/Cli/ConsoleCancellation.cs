using System.Runtime.InteropServices;

namespace Pipeline.Host.Cli;

/// <summary>
/// A cancellation that a requested stop fires: Ctrl+C (SIGINT), SIGTERM (systemd, <c>kill</c>, a container stop) or
/// SIGHUP (the terminal closed), and optionally a duration. Without it .NET ends the process at SIGTERM/SIGHUP at once
/// (exit 143/129): no summary, buffered output lost, recordings without footers. With it the verb stops its source and
/// ends like a completed run. A second signal while the first stop is still under way ends the process at once.
/// </summary>
internal sealed class ConsoleCancellation : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration[] _signals;
    private readonly bool _announce;
    private int _requested;

    /// <summary>
    /// Listens for the stop signals; with <paramref name="afterSeconds"/>, also cancels after that long. With
    /// <paramref name="announce"/> false the signal prints nothing (the verb says itself what it stopped and kept).
    /// </summary>
    public ConsoleCancellation(double? afterSeconds = null, bool announce = true)
    {
        _announce = announce;
        _signals =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
        ];
        if (afterSeconds is { } s) CancelAfter(s);
    }

    /// <summary>Fires at a stop signal or when the duration has passed.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The signal that asked for the stop (SIGINT, SIGTERM, SIGHUP), or null.</summary>
    public string? StoppedBy { get; private set; }

    /// <summary>Cancels after <paramref name="seconds"/> from now.</summary>
    public void CancelAfter(double seconds)
    {
        try { _cancel.CancelAfter(TimeSpan.FromSeconds(seconds)); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Cancels now (e.g. when the input went quiet); a timer that fires once the verb has finished does nothing.</summary>
    public void Cancel()
    {
        try { _cancel.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // The first signal is a request to stop cleanly; a second one (an impatient user) gets the default: end now.
        if (Interlocked.Increment(ref _requested) > 1) return;
        context.Cancel = true;
        StoppedBy = context.Signal switch
        {
            PosixSignal.SIGINT => "SIGINT",
            PosixSignal.SIGTERM => "SIGTERM",
            PosixSignal.SIGHUP => "SIGHUP",
            var other => other.ToString(),
        };
        if (_announce)
        {
            try { Console.Error.WriteLine($"{StoppedBy}: stopping (closing files, writing the summary); send it again to end at once."); }
            catch (IOException) { } // the terminal that sent SIGHUP may be gone
        }
        Cancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in _signals) s.Dispose();
        _cancel.Dispose();
    }
}
