using System.Runtime.ExceptionServices;

namespace Pipeline.Sinks.Files;

/// <summary>
/// Flushes a file sink's buffered output at least once per period, so that a process killed outright (kill -9, power)
/// leaves a file readable up to at most that long before, while steady writing still goes through a large buffer.
/// The sink writes under <see cref="Gate"/>; a flush that fails on the timer (a full disk) is kept and rethrown at the
/// sink's next write, so the session that owns the sink ends with that failure instead of the process.
/// </summary>
internal sealed class PeriodicFlush : IDisposable
{
    private readonly Action _flush;
    private readonly Timer _timer;
    private bool _dirty;
    private bool _closed;
    private Exception? _failure;

    /// <summary>Calls <paramref name="flush"/> (under <see cref="Gate"/>) every <paramref name="period"/> when something was written since the last flush.</summary>
    public PeriodicFlush(Action flush, TimeSpan period)
    {
        _flush = flush;
        _timer = new Timer(static s => ((PeriodicFlush)s!).OnTick(), this, period, period);
    }

    /// <summary>The sink's writes and the timer's flushes never overlap: both hold this.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Call under <see cref="Gate"/> before writing: rethrows a failure of an earlier timed flush.</summary>
    public void ThrowIfFailed()
    {
        if (_failure is { } f) ExceptionDispatchInfo.Capture(f).Throw();
    }

    /// <summary>Call under <see cref="Gate"/> after writing: the next tick flushes.</summary>
    public void Written() => _dirty = true;

    /// <summary>Call under <see cref="Gate"/> after flushing explicitly.</summary>
    public void Flushed() => _dirty = false;

    private void OnTick()
    {
        lock (Gate)
        {
            if (!_dirty || _closed || _failure is not null) return;
            try
            {
                _flush();
                _dirty = false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                _failure = e;
            }
        }
    }

    /// <summary>Stops the timer; call under <see cref="Gate"/> before closing the file.</summary>
    public void Dispose()
    {
        _closed = true;
        _timer.Dispose();
    }
}
