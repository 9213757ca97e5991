namespace Pipeline.Host.Service;

/// <summary>Where a session's predictions and commands go.</summary>
internal sealed record SinkConfiguration
{
    /// <summary>Print commands on the console.</summary>
    public bool Console { get; init; }
    /// <summary>JSON Lines file of predictions, commands, markers and gaps.</summary>
    public string? Jsonl { get; init; }
    /// <summary>CSV file of predictions and commands.</summary>
    public string? Csv { get; init; }
    /// <summary>LSL outlets.</summary>
    public LslSinkConfiguration? Lsl { get; init; }
}
