namespace Pipeline.Host.Service;

/// <summary>How a session turns probabilities into commands (unset values: the EEG or the speech defaults).</summary>
internal sealed record DecisionConfiguration
{
    /// <summary>Windows smoothed over (default 4 for EEG, 1 for speech: one window per utterance).</summary>
    public int? Smooth { get; init; }
    /// <summary>mean or majority.</summary>
    public string Vote { get; init; } = "mean";
    /// <summary>Smoothed confidence needed (0..1; default 0.6 for EEG, 0.5 for speech).</summary>
    public double? Threshold { get; init; }
    /// <summary>Seconds without another command after one (default 1.0 for EEG, 0.3 for speech).</summary>
    public double? Refractory { get; init; }
    /// <summary>A class that never sends a command (speech: silence unless set).</summary>
    public string? Rest { get; init; }
    /// <summary>Class → command name.</summary>
    public Dictionary<string, string>? Commands { get; init; }
}
