using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Host.Sessions;

namespace Pipeline.Host.Service;

/// <summary>
/// The one place where the service turns settings into a decoder. Sessions that share a model and device will get a
/// shared (batching) runner here; the rest of the service only sees <see cref="SessionDecoder"/>.
/// </summary>
internal static class SessionFactory
{
    /// <summary>Builds the decoder for a stream; checks the stream against the model card (throws <see cref="PipelineException"/>).</summary>
    public static SessionDecoder CreateDecoder(StreamDescription stream, DecodingSettings settings, IReadOnlyList<IPipelineSink> sinks, Action<string> log)
    {
        var session = new DecodingSession(stream, settings, sinks, log);
        // DecodingSession runs every window inline on the source's thread, so it never drops one; a shared
        // batching runner reports the windows it dropped for this session here.
        return new SessionDecoder(session, static () => 0);
    }
}
