using Pipeline.Host.Sessions;

namespace Pipeline.Host.Service;

/// <summary>A session's decoder and its count of dropped windows (windows the inference queue could not take in time).</summary>
internal sealed record SessionDecoder(DecodingSession Session, Func<long> Drops, IDisposable? RunnerLease) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Session.Dispose();
        RunnerLease?.Dispose();
    }
}
