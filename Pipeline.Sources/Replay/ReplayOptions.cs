namespace Pipeline.Sources.Replay;

/// <summary>How a recording is replayed.</summary>
public sealed record ReplayOptions
{
    /// <summary>Pacing factor: 1 plays like live, N plays N times faster. Ignored when <see cref="Fast"/>.</summary>
    public double Speed { get; init; } = 1;
    /// <summary>Virtual time: no pacing at all, as fast as the consumer takes chunks, with the recording's own timestamps.</summary>
    public bool Fast { get; init; }
    /// <summary>Frames per chunk; 0 picks about 40 ms worth (what an amplifier's LSL outlet typically sends), 10 ms for audio.</summary>
    public int ChunkFrames { get; init; }
    /// <summary>The signal stream to replay (name or index); null picks the main EEG stream.</summary>
    public string? Stream { get; init; }
    /// <summary>
    /// Start again at the end, forever: each lap's timestamps (and markers) are shifted by the recording's length, so
    /// time keeps rising and a session sees one continuous stream.
    /// </summary>
    public bool Loop { get; init; }

    /// <summary>The chunk size for a stream at <paramref name="rate"/> Hz.</summary>
    public int ChunkFramesFor(double rate) =>
        ChunkFrames > 0 ? ChunkFrames : Math.Max(1, (int)Math.Round((rate > 0 ? rate : 100) * 0.04));

    /// <summary>The chunk size for <paramref name="stream"/>: 10 ms for speech audio (what a microphone delivers), else as <see cref="ChunkFramesFor(double)"/>.</summary>
    public int ChunkFramesFor(Pipeline.Core.Signals.StreamDescription stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ChunkFrames <= 0 && stream.Type == Pipeline.Core.Audio.SpeechAudio.StreamType
            ? Pipeline.Core.Audio.SpeechAudio.ChunkSamples
            : ChunkFramesFor(stream.NominalRate);
    }
}
