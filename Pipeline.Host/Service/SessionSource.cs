using Pipeline.Core.Signals;

namespace Pipeline.Host.Service;

/// <summary>An opened source of a service session: its stream, its events (they start on subscribe), what to close.</summary>
internal sealed class SessionSource(StreamDescription description, IObservable<SourceEvent> events, string summary, params IDisposable[] owned) : IDisposable
{
    /// <summary>The signal stream.</summary>
    public StreamDescription Description { get; } = description;
    /// <summary>Chunks, markers and gaps in order, from one thread at a time.</summary>
    public IObservable<SourceEvent> Events { get; } = events;
    /// <summary>A short description for logs and /status (no paths beyond the configured ones).</summary>
    public string Summary { get; } = summary;
    /// <summary>True for speech audio (a microphone or a WAV file).</summary>
    public bool IsAudio => Description.Type == Pipeline.Core.Audio.SpeechAudio.StreamType;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var d in owned) d.Dispose();
    }
}
