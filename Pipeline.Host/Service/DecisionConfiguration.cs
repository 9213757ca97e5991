namespace Pipeline.Host.Service;

/// <summary>How a session turns probabilities into commands.</summary>
internal sealed record DecisionConfiguration
{
    /// <summary>Windows smoothed over.</summary>
    public int Smooth { get; init; } = 4;
    /// <summary>mean or majority.</summary>
    public string Vote { get; init; } = "mean";
    /// <summary>Smoothed confidence needed (0..1).</summary>
    public double Threshold { get; init; } = 0.6;
    /// <summary>Seconds without another command after one.</summary>
    public double Refractory { get; init; } = 1.0;
    /// <summary>A class that never sends a command.</summary>
    public string? Rest { get; init; }
    /// <summary>Class → command name.</summary>
    public Dictionary<string, string>? Commands { get; init; }
}
