namespace Pipeline.Core.Inference;

/// <summary>How a <see cref="BatchingModelRunner"/> forms micro-batches.</summary>
public sealed record BatchingOptions
{
    /// <summary>
    /// Largest batch. 0 picks it at warm-up: the largest power-of-two bucket (up to 64) whose time per window is not
    /// worse than running smaller batches one after another — on a GPU that is usually 64, on a small CPU it can be 1 or 2.
    /// </summary>
    public int MaxBatch { get; init; }
    /// <summary>How long a batch may wait for more windows once one is queued (default 0: take what is queued, never wait).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.Zero;
    /// <summary>Windows each session may have queued; beyond it the session's oldest window is dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 8;
}
