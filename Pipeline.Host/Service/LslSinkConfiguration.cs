namespace Pipeline.Host.Service;

/// <summary>LSL outlets of a session, by stream name (null: none).</summary>
internal sealed record LslSinkConfiguration
{
    /// <summary>A string marker stream of commands.</summary>
    public string? Commands { get; init; }
    /// <summary>A float stream of class probabilities.</summary>
    public string? Predictions { get; init; }
}
