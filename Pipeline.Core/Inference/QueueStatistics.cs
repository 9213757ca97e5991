namespace Pipeline.Core.Inference;

/// <summary>
/// The counters of one session's queue at a shared <see cref="BatchingModelRunner"/>, readable from any thread while
/// the session runs and after it ended (pass it in <see cref="ClassifyOptions.Statistics"/>).
/// </summary>
public sealed class QueueStatistics
{
    private volatile BatchClient? _client;

    /// <summary>Windows queued.</summary>
    public long Submitted => _client?.Submitted ?? 0;
    /// <summary>Windows dropped because the queue was full (live sessions only).</summary>
    public long Dropped => _client?.Dropped ?? 0;
    /// <summary>Windows whose results were handed on.</summary>
    public long Delivered => _client?.Completed ?? 0;
    /// <summary>Windows waiting in the queue now.</summary>
    public int Queued => _client?.Queued ?? 0;

    internal void Attach(BatchClient client) => _client = client;
}
