using System.Runtime.ExceptionServices;
using Pipeline.Core.Signals;

namespace Pipeline.Sinks.Files;

/// <summary>
/// Flushes a file sink's buffered output at least once per period, so that a process killed outright (kill -9, power)
/// leaves a file readable up to at most that long before, while steady writing still goes through a large buffer.
/// The sink writes through <see cref="Write{TSink, T}"/> (under <see cref="Gate"/>); a flush that fails on the timer (a
/// full disk) is kept and rethrown at the sink's next write, so the session that owns the sink ends with that failure
/// instead of the process, in one sentence naming the file.
/// </summary>
internal sealed class PeriodicFlush : IDisposable
{
    private readonly Action _flush;
    private readonly Timer _timer;
    private readonly string _kind;
    private readonly string _path;
    private bool _dirty;
    private bool _closed;
    private Exception? _failure;

    /// <summary>
    /// Calls <paramref name="flush"/> (under <see cref="Gate"/>) every <paramref name="period"/> when something was
    /// written since the last flush. <paramref name="kind"/> and <paramref name="path"/> name the file in a failure
    /// (e.g. "CSV", "JSON Lines").
    /// </summary>
    public PeriodicFlush(Action flush, TimeSpan period, string kind, string path)
    {
        _flush = flush;
        _kind = kind;
        _path = path;
        _timer = new Timer(static s => ((PeriodicFlush)s!).OnTick(), this, period, period);
    }

    /// <summary>The sink's writes and the timer's flushes never overlap: both hold this.</summary>
    public Lock Gate { get; } = new();

    /// <summary>
    /// Writes one item of the sink under <see cref="Gate"/> (the timed flush runs on a timer thread): first rethrows a
    /// failure of an earlier timed flush, then marks the file for the next tick. A failed write or flush becomes one
    /// sentence naming the file. Pass a static lambda for <paramref name="write"/>: nothing is allocated per item.
    /// </summary>
    /// <exception cref="PipelineException">The file could not be written (a full disk, a revoked permission).</exception>
    public void Write<TSink, T>(TSink sink, T item, Action<TSink, T> write)
    {
        lock (Gate)
        {
            try
            {
                if (_failure is { } f) ExceptionDispatchInfo.Capture(f).Throw();
                write(sink, item);
                _dirty = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new PipelineException($"The {_kind} file '{_path}' could not be written ({e.Message.Replace($" : '{_path}'", "", StringComparison.Ordinal).TrimEnd('.')}); " +
                    "what was written before is kept; free some space or choose another path.", e);
            }
        }
    }

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
