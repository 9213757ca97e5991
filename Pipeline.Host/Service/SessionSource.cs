using Pipeline.Core.Signals;

namespace Pipeline.Host.Service;

/// <summary>An opened source of a service session: its stream, its events, how to start it, what to close.</summary>
internal sealed class SessionSource(StreamDescription description, IObservable<SourceEvent> events, string summary, Action? start = null, params IDisposable[] owned) : IDisposable
{
    /// <summary>The signal stream.</summary>
    public StreamDescription Description { get; } = description;
    /// <summary>Chunks and markers in order, from one thread at a time.</summary>
    public IObservable<SourceEvent> Events { get; } = events;
    /// <summary>A short description for logs and /status (no paths beyond the configured ones).</summary>
    public string Summary { get; } = summary;

    /// <summary>Starts a hot source once the session listens.</summary>
    public void Start() => start?.Invoke();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var d in owned) d.Dispose();
    }
}
