namespace Pipeline.Core.Inference;

/// <summary>How <see cref="Classification"/> runs windows through a model.</summary>
public sealed record ClassifyOptions
{
    /// <summary>The session stamped on every prediction (null: each window's own).</summary>
    public string? Session { get; init; }
    /// <summary>
    /// With a shared <see cref="BatchingModelRunner"/>: true makes a full queue wait for room (a replay as fast as
    /// possible, where nothing may be lost); false drops the session's oldest queued window and counts it (a live
    /// source, where a stale window is worth nothing and the source must never block).
    /// </summary>
    public bool BlockWhenFull { get; init; }
    /// <summary>With a shared runner: windows this session may have queued (null: the runner's default).</summary>
    public int? QueueCapacity { get; init; }
    /// <summary>Factor applied to every value before the model (null: the model card's <c>preprocessing.scale</c>, 1 for speech models).</summary>
    public float? InputScale { get; init; }
    /// <summary>Class names in the model's output order (null: the model's own; required for other <see cref="IBatchedModel"/> implementations).</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
    /// <summary>With a shared runner: counters of the session's queue (submitted, dropped, delivered), filled while it runs.</summary>
    public QueueStatistics? Statistics { get; init; }
}
