using System.Diagnostics;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Inference;

/// <summary>
/// One model on one device shared by every session that uses it: sessions queue windows through their
/// <see cref="BatchClient"/>; inference workers (one per core by default, <see cref="BatchingOptions.Workers"/>), each
/// with its own pre-bound buffers over the one loaded model, take whatever is queued (oldest first, round-robin across
/// sessions, up to <see cref="MaxBatch"/>), optionally wait up to <see cref="BatchingOptions.MaxDelay"/> for more, run
/// the smallest warmed-up bucket that holds it, and hand each result back to its own session — in window order per
/// session, whichever worker finished first. Sources never block on it (live); as-fast-as-possible replay waits instead
/// of dropping.
/// </summary>
public sealed class BatchingModelRunner : IDisposable
{
    private readonly IBatchedModel _runner;
    private readonly BatchingOptions _options;
    private readonly object _clientsGate = new();
    private BatchClient[] _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Worker[] _workers;
    private long _queued;
    private long _batches;
    private long _windowsRun;
    private long _modelTicks;
    private long _cycleTicks;
    private int _nextClient;

    private BatchingModelRunner(IBatchedModel runner, IReadOnlyList<IBatchedModel> workerModels, BatchingOptions options, int maxBatch)
    {
        _runner = runner;
        _options = options;
        MaxBatch = maxBatch;
        // A client may have this many windows taken but not yet delivered: every worker can hold a full batch of it.
        InFlightPerClient = Math.Max(1, workerModels.Count * maxBatch);
        _workers = workerModels.Select((m, i) => new Worker(this, m, i)).ToArray();
        foreach (var w in _workers) w.Start();
    }

    /// <summary>The model being run (the first worker's; the others share its weights).</summary>
    public IBatchedModel Model => _runner;
    /// <summary>The largest batch formed.</summary>
    public int MaxBatch { get; }
    /// <summary>Inference threads taking batches.</summary>
    public int Workers => _workers.Length;
    /// <summary>Batches run so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);
    /// <summary>Windows run so far.</summary>
    public long WindowsRun => Interlocked.Read(ref _windowsRun);
    /// <summary>Mean windows per batch.</summary>
    public double MeanBatchSize => Batches == 0 ? 0 : (double)WindowsRun / Batches;
    /// <summary>Total Stopwatch ticks spent in the model's run (summed over workers).</summary>
    public long ModelTicks => Interlocked.Read(ref _modelTicks);
    /// <summary>
    /// Total Stopwatch ticks of whole batch cycles (summed over workers): taking windows from the queues, copying them
    /// into the bucket, the model's run, and handing results back. Minus <see cref="ModelTicks"/>, it is the batching's
    /// own overhead.
    /// </summary>
    public long CycleTicks => Interlocked.Read(ref _cycleTicks);
    /// <summary>How each bucket size performed at warm-up: median milliseconds per run.</summary>
    public IReadOnlyDictionary<int, double> WarmUpMilliseconds { get; private init; } = new Dictionary<int, double>();
    /// <summary>How each bucket size performed at warm-up: median and quartiles of repeated, interleaved runs.</summary>
    public IReadOnlyList<BucketTiming> WarmUpTimings { get; private init; } = [];

    internal int InFlightPerClient { get; }
    internal int Classes => _runner.Classes;

    /// <summary>
    /// Loads the model with power-of-two buckets up to 64 (or <see cref="BatchingOptions.MaxBatch"/>), warms each up,
    /// picks the batch limit, and starts the inference workers.
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
    /// at most the largest bucket, or 0 for automatic), creates the other workers' buffers and starts the workers. The
    /// runner owns the model from here on (also when this throws).
    /// </summary>
    public static BatchingModelRunner Start(IBatchedModel model, BatchingOptions batching, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batching);
        var models = new List<IBatchedModel> { model };
        try
        {
            if (batching.Workers < 0) throw new PipelineException($"The worker count {batching.Workers} is negative; give 1 or more, or 0 for one per core.");
            var timings = batching.MaxBatch == 0 ? TimeBuckets(model) : [];
            var max = batching.MaxBatch > 0 ? Math.Min(batching.MaxBatch, model.BatchSizes[^1])
                : ChooseMaxBatch(timings.ToDictionary(t => t.Size, t => t.MedianMs));
            if (batching.MaxBatch == 0)
                log?.Invoke($"batching: up to {max} window(s) per run (ms per window at warm-up, median [quartiles] of {timings.Min(t => t.Runs)} runs: " +
                    string.Join(", ", timings.Select(t => $"{t.Size}: {t.MedianMsPerWindow:F3} [{t.LowMs / t.Size:F3}-{t.HighMs / t.Size:F3}]")) + ")");
            // Timing the large buckets grew ONNX Runtime's arena; a limit below them needs none of that memory.
            if (timings.Count > 0 && max < model.BatchSizes[^1] && model is ModelRunner runner) runner.TrimMemory();
            var wanted = batching.Workers > 0 ? batching.Workers : Environment.ProcessorCount;
            while (models.Count < wanted)
            {
                var worker = model.CreateWorker(max);
                if (worker is null)
                {
                    log?.Invoke($"batching: one inference thread ({Path.GetFileName(model.ModelPath)} cannot give another set of buffers)");
                    break;
                }
                models.Add(worker);
            }
            if (models.Count > 1) log?.Invoke($"batching: {models.Count} inference workers");
            return new BatchingModelRunner(model, models, batching, max)
            {
                WarmUpMilliseconds = timings.ToDictionary(t => t.Size, t => t.MedianMs),
                WarmUpTimings = timings,
            };
        }
        catch
        {
            for (var i = models.Count - 1; i >= 0; i--) models[i].Dispose();
            throw;
        }
    }

    /// <summary>
    /// Every bucket run in interleaved rounds (so load from elsewhere on the machine falls on all sizes alike) until at
    /// least 9 rounds and about a second of runs are done (at most 51 rounds); median and quartiles per bucket.
    /// </summary>
    private static List<BucketTiming> TimeBuckets(IBatchedModel model)
    {
        var count = model.BatchSizes.Count;
        var runs = Enumerable.Range(0, count).Select(_ => new List<double>()).ToArray();
        var budget = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        for (var round = 0; round < 51 && (round < 9 || Stopwatch.GetTimestamp() < budget); round++)
            for (var i = 0; i < count; i++)
            {
                model.RunBucket(i);
                runs[i].Add(model.LastRunTicks * 1000.0 / Stopwatch.Frequency);
            }
        return Enumerable.Range(0, count).Select(i =>
        {
            var sorted = runs[i].Order().ToArray();
            return new BucketTiming(model.BucketSize(i), sorted.Length, Quantile(sorted, 0.5), Quantile(sorted, 0.25), Quantile(sorted, 0.75));
        }).ToList();
    }

    private static double Quantile(double[] sorted, double q)
    {
        var x = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(x);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
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
        Wake();
    }

    internal void OnDiscarded(int count)
    {
        if (count > 0) Interlocked.Add(ref _queued, -count);
    }

    /// <summary>Wakes every idle worker (cheap for one already awake): windows were queued or a session may take more.</summary>
    internal void Wake()
    {
        foreach (var w in _workers) w.Signal.Set();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        Wake();
        foreach (var w in _workers) w.Join();
        for (var i = _workers.Length - 1; i >= 0; i--) _workers[i].Dispose();
        _stop.Dispose();
    }

    /// <summary>One inference thread with its own model buffers and its own batch bookkeeping.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly BatchingModelRunner _owner;
        private readonly IBatchedModel _model;
        private readonly Thread _thread;
        private readonly WindowTicket[] _tickets;
        private readonly long[] _sequence;
        private readonly BatchClient?[] _owners;

        public Worker(BatchingModelRunner owner, IBatchedModel model, int index)
        {
            _owner = owner;
            _model = model;
            _tickets = new WindowTicket[owner.MaxBatch];
            _sequence = new long[owner.MaxBatch];
            _owners = new BatchClient?[owner.MaxBatch];
            var name = "inference " + Path.GetFileName(model.ModelPath) + (index > 0 ? $" #{index + 1}" : "");
            _thread = new Thread(Loop) { IsBackground = true, Name = name, Priority = ThreadPriority.AboveNormal };
        }

        public ManualResetEventSlim Signal { get; } = new(false);

        public void Start() => _thread.Start();

        public void Join() => _thread.Join(TimeSpan.FromSeconds(5));

        private void Loop()
        {
            var token = _owner._stop.Token;
            try
            {
                while (!token.IsCancellationRequested)
                {
                    // Reset before looking, so a window queued while looking sets it again and the wait returns.
                    Signal.Reset();
                    if (Interlocked.Read(ref _owner._queued) <= 0 || !RunOneBatch(token))
                        Signal.Wait(token);
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
            while (Interlocked.Read(ref _owner._queued) < _owner.MaxBatch && Stopwatch.GetTimestamp() < until && !token.IsCancellationRequested)
                spin.SpinOnce(sleep1Threshold: -1);
        }

        /// <summary>Takes and runs one batch; false when nothing could be taken.</summary>
        private bool RunOneBatch(CancellationToken token)
        {
            var owner = _owner;
            if (owner._options.MaxDelay > TimeSpan.Zero && Interlocked.Read(ref owner._queued) < owner.MaxBatch)
                WaitForMore(owner._options.MaxDelay, token);
            var clients = owner._clients;
            if (clients.Length == 0) return false;
            var cycleStart = Stopwatch.GetTimestamp();
            var bucket = _model.BucketFor(Math.Min(owner.MaxBatch, (int)Math.Max(1, Interlocked.Read(ref owner._queued))));
            var capacity = Math.Min(owner.MaxBatch, _model.BucketSize(bucket));
            var n = 0;
            // Round-robin, one window per session per pass, so a busy session cannot starve the others.
            var first = (int)((uint)Interlocked.Increment(ref owner._nextClient) % (uint)clients.Length);
            var progress = true;
            while (n < capacity && progress)
            {
                progress = false;
                for (var k = 0; k < clients.Length && n < capacity; k++)
                {
                    var client = clients[(first + k) % clients.Length];
                    if (client.IsClosed) continue;
                    if (!client.TryTake(_model.InputSlot(bucket, n), out _tickets[n], out _sequence[n])) continue;
                    _owners[n] = client;
                    n++;
                    progress = true;
                }
            }
            if (n == 0) return false;
            Interlocked.Add(ref owner._queued, -n);
            _model.RunBucket(bucket);
            Interlocked.Add(ref owner._modelTicks, _model.LastRunTicks);
            Interlocked.Increment(ref owner._batches);
            Interlocked.Add(ref owner._windowsRun, n);
            for (var i = 0; i < n; i++)
            {
                _owners[i]!.Complete(_sequence[i], _tickets[i], _model.Probabilities(bucket, i));
                _owners[i] = null;
            }
            Interlocked.Add(ref owner._cycleTicks, Stopwatch.GetTimestamp() - cycleStart);
            return true;
        }

        public void Dispose()
        {
            // The first worker's model is the runner's own (it owns the session the others share): disposed last.
            _model.Dispose();
            Signal.Dispose();
        }
    }
}
