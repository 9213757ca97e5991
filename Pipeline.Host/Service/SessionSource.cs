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
    /// <summary>
    /// The format the recording declares for the signal: an LSL stream's own (its chunks carry the values exactly as
    /// sent, <see cref="SignalChunk.Exact"/>); float32 for every other source (its chunks' values are what it has).
    /// </summary>
    public ValueFormat RecordedFormat => Events is Pipeline.Sources.Lsl.LslCuedSource lsl ? lsl.Signal.ExactFormat : ValueFormat.Float32;
    /// <summary>True for speech audio (a microphone or a WAV file).</summary>
    public bool IsAudio => Description.Type == Pipeline.Core.Audio.SpeechAudio.StreamType;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var d in owned) d.Dispose();
    }
}
