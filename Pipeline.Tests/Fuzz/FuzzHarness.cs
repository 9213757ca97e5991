using System.Collections.Concurrent;
using System.Diagnostics;
using Pipeline.Core.Signals;
using Pipeline.Lsl.Xdf;

namespace Pipeline.Tests.Fuzz;

/// <summary>
/// Feeds inputs to a reader one at a time on a worker thread and classifies each outcome: a clean or partial result,
/// a clear error (the project's own exception with a one-line message), any other exception, a hang (past the
/// per-input timeout) or an allocation above the per-input budget, measured with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> around the read.
/// </summary>
internal sealed class FuzzHarness : IDisposable
{
    /// <summary>The most one input may allocate.</summary>
    public const long AllocationBudget = 1L << 30;

    private readonly TimeSpan _timeout;
    private BlockingCollection<Work> _queue = new();
    private Thread? _worker;

    public FuzzHarness(TimeSpan timeout) => _timeout = timeout;

    /// <summary>Runs <paramref name="read"/> on every input that <paramref name="make"/> produces for 0..count-1.</summary>
    public FuzzReport Run<T>(string reader, int count, Func<int, (T Input, string What, long Size)> make, Func<T, FuzzOutcome> read)
    {
        var report = new FuzzReport(reader);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var (input, what, size) = make(i);
            var work = new Work(() => read(input));
            EnsureWorker();
            _queue.Add(work);
            if (!work.Done.Wait(_timeout))
            {
                report.Add(FuzzOutcome.Hang, i, what, $"no answer within {_timeout.TotalSeconds:F0} s", size, 0);
                // The stuck thread is abandoned (it is a background thread); the next input gets a fresh one.
                _queue.CompleteAdding();
                _queue = new BlockingCollection<Work>();
                _worker = null;
                continue;
            }
            var outcome = work.Outcome;
            var detail = work.Error is { } e ? $"{e.GetType().Name}: {e.Message}" : "";
            if (outcome is FuzzOutcome.Clean or FuzzOutcome.Partial or FuzzOutcome.ClearError && work.Allocated > AllocationBudget)
            {
                outcome = FuzzOutcome.OverBudget;
                detail = $"allocated {work.Allocated:N0} bytes; " + detail;
            }
            report.Add(outcome, i, what, detail, size, work.Allocated);
        }
        report.Elapsed = clock.Elapsed;
        return report;
    }

    private void EnsureWorker()
    {
        if (_worker is not null) return;
        var queue = _queue;
        _worker = new Thread(() =>
        {
            foreach (var work in queue.GetConsumingEnumerable()) work.Execute();
        }) { IsBackground = true, Name = "fuzz-reader" };
        _worker.Start();
    }

    public void Dispose() => _queue.CompleteAdding();

    /// <summary>The class of an exception that left a reader.</summary>
    public static FuzzOutcome Classify(Exception e) =>
        (e is PipelineException or XdfFormatException) && e.Message.Length > 0 && !e.Message.Contains('\n') ? FuzzOutcome.ClearError : FuzzOutcome.Escaped;

    private sealed class Work(Func<FuzzOutcome> read)
    {
        public ManualResetEventSlim Done { get; } = new();
        public FuzzOutcome Outcome { get; private set; }
        public Exception? Error { get; private set; }
        public long Allocated { get; private set; }

        public void Execute()
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                Outcome = read();
            }
            catch (Exception e)
            {
                Error = e;
                Outcome = Classify(e);
            }
            Allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Done.Set();
        }
    }
}
