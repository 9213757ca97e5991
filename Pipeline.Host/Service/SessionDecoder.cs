using Pipeline.Core.Sessions;

namespace Pipeline.Host.Service;

/// <summary>A session's decoder and what it holds: the lease on its shared runner and, for speech, its VAD.</summary>
internal sealed record SessionDecoder(DecodingSession Session, params IDisposable[] Owned) : IDisposable
{
    /// <summary>Windows the inference queue could not take in time.</summary>
    public long Drops => Session.Dropped;

    /// <summary>The shared runner the session's model runs on, or null (a session without a model).</summary>
    public Core.Inference.BatchingModelRunner? Runner => Owned.OfType<Sessions.SharedRunnerPool.Lease>().FirstOrDefault()?.Runner;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var d in Owned) d.Dispose();
    }
}
