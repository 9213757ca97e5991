namespace Pipeline.Core.Signals;

/// <summary>
/// One item of a source (simulator, replay, LSL, microphone, WAV file): a chunk of signal, a marker, or a gap the
/// source knows of (an LSL stream that was lost and recovered, a block of audio the capture lost). Carrying all
/// three in one stream keeps them in the order they happened, so one subscription can write a recording or feed a
/// session with everything.
/// </summary>
/// <remarks>
/// The chunk is reused by the source: it is valid only during <c>OnNext</c> (see <see cref="SignalChunk"/>; use
/// <see cref="Snapshots.Snapshot(IObservable{SourceEvent})"/> to keep events). A source-reported gap describes the
/// same hole that <see cref="Operators.GapDetection"/> finds from the timestamps; a decoding session counts the
/// timestamp gaps, so it does not count a source's gap twice.
/// </remarks>
public readonly struct SourceEvent
{
    private SourceEvent(SourceEventKind kind, SignalChunk? chunk, Marker marker, Gap gap)
    {
        Kind = kind;
        Chunk = chunk;
        Marker = marker;
        Gap = gap;
    }

    /// <summary>An event that carries a chunk.</summary>
    public static SourceEvent FromChunk(SignalChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return new SourceEvent(SourceEventKind.Chunk, chunk, default, default);
    }

    /// <summary>An event that carries a marker.</summary>
    public static SourceEvent FromMarker(Marker marker) => new(SourceEventKind.Marker, null, marker, default);

    /// <summary>An event that reports an outage of the source.</summary>
    public static SourceEvent FromGap(Gap gap) => new(SourceEventKind.Gap, null, default, gap);

    /// <summary>What the event carries.</summary>
    public SourceEventKind Kind { get; }
    /// <summary>The chunk, or null when this event is not a chunk.</summary>
    public SignalChunk? Chunk { get; }
    /// <summary>The marker (default when this event is not a marker).</summary>
    public Marker Marker { get; }
    /// <summary>The gap (default when this event is not a gap).</summary>
    public Gap Gap { get; }
    /// <summary>True when this event carries a chunk.</summary>
    public bool IsChunk => Kind == SourceEventKind.Chunk;
    /// <summary>True when this event carries a marker.</summary>
    public bool IsMarker => Kind == SourceEventKind.Marker;
    /// <summary>True when this event reports a gap.</summary>
    public bool IsGap => Kind == SourceEventKind.Gap;

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        SourceEventKind.Chunk => Chunk!.ToString(),
        SourceEventKind.Marker => $"marker '{Marker.Text}' @ {Marker.Timestamp:F4}",
        _ => $"gap in '{Gap.Stream}' {Gap.LastBefore:F4}..{Gap.FirstAfter:F4}",
    };
}
