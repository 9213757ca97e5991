namespace Pipeline.Core.Inference;

/// <summary>How a <see cref="BatchingModelRunner"/> forms micro-batches.</summary>
public sealed record BatchingOptions
{
    /// <summary>
    /// Largest batch. 0 picks it at warm-up: the smallest power-of-two bucket (up to 64) whose median time per window
    /// is within 10 % of the best — on a GPU that is usually 64; on a small CPU, where a window costs the same at any
    /// batch size, it is 1 or 2 (a bigger batch would only make its first windows wait for its last).
    /// </summary>
    public int MaxBatch { get; init; }
    /// <summary>How long a batch may wait for more windows once one is queued (default 0: take what is queued, never wait).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.Zero;
    /// <summary>Windows each session may have queued; beyond it the session's oldest window is dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 8;
    /// <summary>
    /// Inference threads, each with its own pre-bound buffers over the one loaded model, taking batches from the same
    /// session queues (results still leave in window order per session). 0: one per core. A model that cannot give
    /// a second set of buffers (<see cref="IBatchedModel.CreateWorker"/> returns null) runs on one thread.
    /// </summary>
    public int Workers { get; init; }
}
