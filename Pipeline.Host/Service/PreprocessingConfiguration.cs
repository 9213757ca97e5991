namespace Pipeline.Host.Service;

/// <summary>What happens to the signal before the model.</summary>
internal sealed record PreprocessingConfiguration
{
    /// <summary>Band-pass edges [low, high], Hz (default: the model card's).</summary>
    public List<double>? Band { get; init; }
    /// <summary>Notch frequency, Hz (default: the card's; 0 none).</summary>
    public double? Notch { get; init; }
    /// <summary>Resample to this rate first, Hz.</summary>
    public double? Resample { get; init; }
    /// <summary>Window length, s (default: the card's).</summary>
    public double? Window { get; init; }
    /// <summary>Window hop, s.</summary>
    public double Hop { get; init; } = 0.25;
    /// <summary>Channels to keep by label (default: the model's).</summary>
    public List<string>? Channels { get; init; }
}
