namespace Pipeline.Core.Signals;

/// <summary>
/// One item of a source (simulator, replay, LSL): either a chunk of signal or a marker. Carrying both in one stream keeps them in the
/// order they happened, so one subscription can write a recording or feed a session with both.
/// </summary>
/// <remarks>The chunk is reused by the source: it is valid only during <c>OnNext</c> (see <see cref="SignalChunk"/>).</remarks>
public readonly struct SourceEvent
{
    private SourceEvent(SignalChunk? chunk, Marker marker)
    {
        Chunk = chunk;
        Marker = marker;
    }

    /// <summary>An event that carries a chunk.</summary>
    public static SourceEvent FromChunk(SignalChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return new SourceEvent(chunk, default);
    }

    /// <summary>An event that carries a marker.</summary>
    public static SourceEvent FromMarker(Marker marker) => new(null, marker);

    /// <summary>The chunk, or null when this event is a marker.</summary>
    public SignalChunk? Chunk { get; }
    /// <summary>The marker (default when this event is a chunk).</summary>
    public Marker Marker { get; }
    /// <summary>True when this event carries a chunk, false when it carries a marker.</summary>
    public bool IsChunk => Chunk is not null;

    /// <inheritdoc />
    public override string ToString() => Chunk is { } c ? c.ToString() : $"marker '{Marker.Text}' @ {Marker.Timestamp:F4}";
}
