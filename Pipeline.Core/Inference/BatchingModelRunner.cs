using System.Diagnostics;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Inference;

/// <summary>
/// One model on one device shared by every session that uses it: sessions queue windows through their
/// <see cref="BatchClient"/>; one inference thread takes whatever is queued (oldest first, round-robin across
/// sessions, up to <see cref="MaxBatch"/>), optionally waits up to <see cref="BatchingOptions.MaxDelay"/> for more,
/// runs the smallest warmed-up bucket that holds it on pre-bound buffers, and hands each result back to its own
/// session in order. Sources never block on it (live); as-fast-as-possible replay waits instead of dropping.
/// </summary>
public sealed class BatchingModelRunner : IDisposable
{
    private readonly IBatchedModel _runner;
    private readonly BatchingOptions _options;
    private readonly object _clientsGate = new();
    private BatchClient[] _clients = [];
    private readonly ManualResetEventSlim _signal = new(false);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly WindowTicket[] _tickets;
    private readonly BatchClient?[] _owners;
    private long _queued;
    private long _batches;
    private long _windowsRun;
    private long _modelTicks;
    private long _cycleTicks;
    private int _nextClient;

    private BatchingModelRunner(IBatchedModel runner, BatchingOptions options, int maxBatch)
    {
        _runner = runner;
        _options = options;
        MaxBatch = maxBatch;
        _tickets = new WindowTicket[maxBatch];
        _owners = new BatchClient?[maxBatch];
        _thread = new Thread(Loop) { IsBackground = true, Name = "inference " + Path.GetFileName(runner.ModelPath), Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>The model being run.</summary>
    public IBatchedModel Model => _runner;
    /// <summary>The largest batch formed.</summary>
    public int MaxBatch { get; }
    /// <summary>Batches run so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);
    /// <summary>Windows run so far.</summary>
    public long WindowsRun => Interlocked.Read(ref _windowsRun);
    /// <summary>Mean windows per batch.</summary>
    public double MeanBatchSize => Batches == 0 ? 0 : (double)WindowsRun / Batches;
    /// <summary>Total Stopwatch ticks spent in the model's run.</summary>
    public long ModelTicks => Interlocked.Read(ref _modelTicks);
    /// <summary>
    /// Total Stopwatch ticks of whole batch cycles: taking windows from the queues, copying them into the bucket,
    /// the model's run, and handing results back. Minus <see cref="ModelTicks"/>, it is the batching's own overhead.
    /// </summary>
    public long CycleTicks => Interlocked.Read(ref _cycleTicks);
    /// <summary>How each bucket size performed at warm-up: milliseconds per run (the fastest of a few).</summary>
    public IReadOnlyDictionary<int, double> WarmUpMilliseconds { get; private init; } = new Dictionary<int, double>();

    /// <summary>
    /// Loads the model with power-of-two buckets up to 64 (or <see cref="BatchingOptions.MaxBatch"/>), warms each up,
    /// picks the batch limit, and starts the inference thread.
    /// </summary>
    public static BatchingModelRunner Load(string modelPath, ModelRunnerOptions runnerOptions, BatchingOptions batching, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(batching);
        if (batching.MaxBatch < 0) throw new PipelineException($"The batch size {batching.MaxBatch} is negative; give 1 or more, or 0 to choose it automatically.");
        var ceiling = batching.MaxBatch > 0 ? batching.MaxBatch : 64;
        var sizes = new List<int>();
        for (var b = 1; b < ceiling; b *= 2) sizes.Add(b);
        sizes.Add(ceiling);
        return Start(ModelRunner.Load(modelPath, runnerOptions with { BatchSizes = sizes, WarmUp = true }, log), batching, log);
    }

    /// <summary>
    /// Times each of <paramref name="model"/>'s buckets, picks the batch limit (<see cref="BatchingOptions.MaxBatch"/>,
    /// at most the largest bucket, or 0 for automatic) and starts the inference thread. The runner owns the model
    /// from here on (also when this throws).
    /// </summary>
    public static BatchingModelRunner Start(IBatchedModel model, BatchingOptions batching, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batching);
        try
        {
            var timings = new Dictionary<int, double>();
            for (var i = 0; i < model.BatchSizes.Count; i++)
            {
                var runs = new double[5];
                for (var k = 0; k < runs.Length; k++)
                {
                    model.RunBucket(i);
                    runs[k] = model.LastRunTicks * 1000.0 / Stopwatch.Frequency;
                }
                // The fastest of a few runs: other load on the machine only ever adds time.
                timings[model.BucketSize(i)] = runs.Min();
            }
            var max = batching.MaxBatch > 0 ? Math.Min(batching.MaxBatch, model.BatchSizes[^1]) : ChooseMaxBatch(timings);
            if (batching.MaxBatch == 0)
                log?.Invoke($"batching: up to {max} window(s) per run (per-window ms at warm-up: {string.Join(", ", timings.Select(t => $"{t.Key}: {t.Value / t.Key:F2}"))})");
            return new BatchingModelRunner(model, batching, max) { WarmUpMilliseconds = timings };
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The smallest bucket whose time per window is within 10 % of the best bucket's: the batch that gets (nearly) all
    /// the throughput batching can give, and no bigger. A window's result waits for its whole batch, so where bigger
    /// batches are not cheaper per window (a small CPU: compute-bound convolutions) small batches run back to back
    /// give the same throughput at lower latency; where they are much cheaper (a GPU) the limit is large.
    /// </summary>
    public static int ChooseMaxBatch(IReadOnlyDictionary<int, double> millisecondsPerRun)
    {
        ArgumentNullException.ThrowIfNull(millisecondsPerRun);
        if (millisecondsPerRun.Count == 0) return 1;
        var best = millisecondsPerRun.Min(p => p.Value / p.Key);
        return millisecondsPerRun.Where(p => p.Value / p.Key <= best * 1.1).Min(p => p.Key);
    }

    /// <summary>Forgets the counters (batches, windows, ticks), e.g. after a warm-up.</summary>
    public void ResetCounters()
    {
        Interlocked.Exchange(ref _batches, 0);
        Interlocked.Exchange(ref _windowsRun, 0);
        Interlocked.Exchange(ref _modelTicks, 0);
        Interlocked.Exchange(ref _cycleTicks, 0);
    }

    /// <summary>Connects a session. <paramref name="blockWhenFull"/>: replay waits for room instead of dropping.</summary>
    public BatchClient Connect(string session, BatchResultHandler onResult, bool blockWhenFull = false, int? queueCapacity = null)
    {
        ArgumentNullException.ThrowIfNull(onResult);
        var client = new BatchClient(this, session, queueCapacity ?? _options.QueueCapacity, _runner.WindowValues, onResult, blockWhenFull);
        lock (_clientsGate) _clients = [.. _clients, client];
        return client;
    }

    internal void Disconnect(BatchClient client)
    {
        lock (_clientsGate) _clients = _clients.Where(c => !ReferenceEquals(c, client)).ToArray();
    }

    internal void OnQueued()
    {
        Interlocked.Increment(ref _queued);
        _signal.Set();
    }

    internal void OnDiscarded(int count)
    {
        if (count > 0) Interlocked.Add(ref _queued, -count);
    }

    private void Loop()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                _signal.Reset();
                if (Interlocked.Read(ref _queued) <= 0)
                {
                    _signal.Wait(token);
                    continue;
                }
                if (_options.MaxDelay > TimeSpan.Zero && Interlocked.Read(ref _queued) < MaxBatch)
                    WaitForMore(_options.MaxDelay, token);
                RunOneBatch();
            }
        }
        catch (OperationCanceledException)
        {
            // disposed
        }
    }

    private void WaitForMore(TimeSpan delay, CancellationToken token)
    {
        var until = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        var spin = new SpinWait();
        while (Interlocked.Read(ref _queued) < MaxBatch && Stopwatch.GetTimestamp() < until && !token.IsCancellationRequested)
            spin.SpinOnce(sleep1Threshold: -1);
    }

    private void RunOneBatch()
    {
        var clients = _clients;
        if (clients.Length == 0) return;
        var cycleStart = Stopwatch.GetTimestamp();
        var bucket = _runner.BucketFor(Math.Min(MaxBatch, (int)Math.Max(1, Interlocked.Read(ref _queued))));
        var capacity = Math.Min(MaxBatch, _runner.BucketSize(bucket));
        var n = 0;
        // Round-robin, one window per session per pass, so a busy session cannot starve the others.
        var progress = true;
        while (n < capacity && progress)
        {
            progress = false;
            for (var k = 0; k < clients.Length && n < capacity; k++)
            {
                var client = clients[(_nextClient + k) % clients.Length];
                if (client.IsClosed) continue;
                if (!client.TryTake(_runner.InputSlot(bucket, n), out _tickets[n])) continue;
                _owners[n] = client;
                n++;
                progress = true;
            }
        }
        _nextClient = (_nextClient + 1) % Math.Max(1, clients.Length);
        if (n == 0) return;
        Interlocked.Add(ref _queued, -n);
        _runner.RunBucket(bucket);
        Interlocked.Add(ref _modelTicks, _runner.LastRunTicks);
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _windowsRun, n);
        for (var i = 0; i < n; i++)
        {
            _owners[i]!.Deliver(_tickets[i], _runner.Probabilities(bucket, i));
            _owners[i] = null;
        }
        Interlocked.Add(ref _cycleTicks, Stopwatch.GetTimestamp() - cycleStart);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        _signal.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
        _runner.Dispose();
        _signal.Dispose();
        _stop.Dispose();
    }
}
