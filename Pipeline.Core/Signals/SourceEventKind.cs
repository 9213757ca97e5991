namespace Pipeline.Core.Signals;

/// <summary>What a <see cref="SourceEvent"/> carries (0 is no valid kind, so a default event is none of them).</summary>
public enum SourceEventKind
{
    /// <summary>A chunk of signal.</summary>
    Chunk = 1,
    /// <summary>An event marker (cue, trial start, annotation).</summary>
    Marker = 2,
    /// <summary>An outage the source itself knows of (a stream lost and recovered, a lost block of audio).</summary>
    Gap = 3,
}
