using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Host.Sessions;

namespace Pipeline.Host.Service;

/// <summary>
/// The one place where the service turns settings into a decoder. Sessions that share a model and device get one
/// shared batching runner (<see cref="SharedRunnerPool"/>); the rest of the service only sees <see cref="SessionDecoder"/>.
/// </summary>
internal static class SessionFactory
{
    /// <summary>Builds the decoder for a stream; checks the stream against the model card (throws <see cref="PipelineException"/>).</summary>
    /// <param name="stream">The source's stream.</param>
    /// <param name="settings">The session's decoding settings.</param>
    /// <param name="sinks">Its sinks.</param>
    /// <param name="log">Where the device and batching lines go.</param>
    /// <param name="blockWhenFull">False for live sources (a full queue drops the oldest window); true for sources that
    /// run as fast as possible, which should wait instead.</param>
    public static SessionDecoder CreateDecoder(StreamDescription stream, DecodingSettings settings, IReadOnlyList<IPipelineSink> sinks, Action<string> log, bool blockWhenFull = false)
    {
        if (settings.ModelPath is null)
        {
            var plain = new DecodingSession(stream, settings, sinks, log);
            return new SessionDecoder(plain, static () => 0, null);
        }
        // Every session of a model shares one batching runner (one inference thread, micro-batches across
        // sessions); a full queue drops that session's oldest window, counted here.
        var lease = SharedRunnerPool.Acquire(settings.ModelPath, settings.Runner, new BatchingOptions(), log);
        try
        {
            var session = new DecodingSession(stream, settings, sinks, log, lease.Runner, blockWhenFull);
            return new SessionDecoder(session, () => session.Dropped, lease);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }
}
