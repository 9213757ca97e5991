using Pipeline.Core.Inference;

namespace Pipeline.Host.Service;

/// <summary>
/// How the shared runners run the models: one runner per model file and device serves every session that uses it,
/// and these settings apply to each of them (EEG decoders and speech keyword models alike).
/// </summary>
internal sealed record InferenceConfiguration
{
    /// <summary>The most inference threads one runner may have.</summary>
    public const int MaxWorkers = 64;
    /// <summary>The largest batch a runner forms (its largest warmed-up bucket).</summary>
    public const int MaxBatchLimit = 64;
    /// <summary>The longest a batch may wait for more windows (ms): a hop is a few hundred ms, waiting longer only adds latency.</summary>
    public const double MaxDelayLimitMs = 1000;
    /// <summary>The most windows a session may have queued.</summary>
    public const int MaxQueueCapacity = 1024;

    /// <summary>
    /// Inference threads per shared runner, each with its own bound buffers, taking micro-batches round-robin from the
    /// sessions' queues (results still in window order per session). Left out: one per core.
    /// </summary>
    public int? Workers { get; init; }
    /// <summary>Largest batch per run; 0 (default) chooses it at warm-up (the smallest whose time per window is within 10 % of the best).</summary>
    public int MaxBatch { get; init; }
    /// <summary>How long a batch may wait for more windows once one is queued, in ms (default 0: never wait).</summary>
    public double MaxDelayMs { get; init; }
    /// <summary>Windows each live session may have queued; beyond it the session's oldest window is dropped and counted (default 8).</summary>
    public int QueueCapacity { get; init; } = new BatchingOptions().QueueCapacity;

    /// <summary>The inference threads each runner starts: <see cref="Workers"/>, or one per core.</summary>
    public int EffectiveWorkers => Workers ?? Environment.ProcessorCount;

    /// <summary>The runner settings these stand for.</summary>
    public BatchingOptions ToBatching() => new()
    {
        Workers = EffectiveWorkers,
        MaxBatch = MaxBatch,
        MaxDelay = TimeSpan.FromMilliseconds(MaxDelayMs),
        QueueCapacity = QueueCapacity,
    };
}
