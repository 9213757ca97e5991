namespace Pipeline.Sources.Replay;

/// <summary>How a recording is replayed.</summary>
public sealed record ReplayOptions
{
    /// <summary>Pacing factor: 1 plays like live, N plays N times faster. Ignored when <see cref="Fast"/>.</summary>
    public double Speed { get; init; } = 1;
    /// <summary>Virtual time: no pacing at all, as fast as the consumer takes chunks, with the recording's own timestamps.</summary>
    public bool Fast { get; init; }
    /// <summary>Frames per chunk; 0 picks about 40 ms worth (what an amplifier's LSL outlet typically sends).</summary>
    public int ChunkFrames { get; init; }
    /// <summary>The signal stream to replay (name or index); null picks the main EEG stream.</summary>
    public string? Stream { get; init; }

    /// <summary>The chunk size for a stream at <paramref name="rate"/> Hz.</summary>
    public int ChunkFramesFor(double rate) =>
        ChunkFrames > 0 ? ChunkFrames : Math.Max(1, (int)Math.Round((rate > 0 ? rate : 100) * 0.04));
}
