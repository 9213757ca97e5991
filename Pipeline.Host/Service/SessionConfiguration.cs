namespace Pipeline.Host.Service;

/// <summary>One session: a source, its preprocessing, a model, decisions, sinks and a recording.</summary>
internal sealed record SessionConfiguration
{
    /// <summary>Unique id (letters, digits, '-', '_', '.'), used in URLs, logs, metrics and outputs.</summary>
    public string? Id { get; init; }
    /// <summary>False: configured but not started with the service (start it with POST /sessions/{id}/start).</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>Where the signal comes from.</summary>
    public SourceConfiguration? Source { get; init; }
    /// <summary>Channel selection, filters, resampling and windows.</summary>
    public PreprocessingConfiguration Preprocessing { get; init; } = new();
    /// <summary>The decoder; without one, windows produce per-channel band power.</summary>
    public ModelConfiguration? Model { get; init; }
    /// <summary>How probabilities become commands.</summary>
    public DecisionConfiguration Decisions { get; init; } = new();
    /// <summary>Where predictions and commands go.</summary>
    public SinkConfiguration Sinks { get; init; } = new();
    /// <summary>Recording of everything into one XDF file.</summary>
    public RecordingConfiguration? Recording { get; init; }
}
