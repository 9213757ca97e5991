using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;

namespace Pipeline.Host.Sessions;

/// <summary>What a decoding session does between its source and its sinks.</summary>
internal sealed record DecodingSettings
{
    /// <summary>The session's name (stamped on every output).</summary>
    public string Session { get; init; } = "replay";
    /// <summary>Window length, s (null: the model card's, or 4 s without a model).</summary>
    public double? WindowSeconds { get; init; }
    /// <summary>Window hop, s.</summary>
    public double HopSeconds { get; init; } = 0.25;
    /// <summary>Band-pass edges, Hz (null: the model card's band, or 8-30 Hz band power without a model).</summary>
    public (double Low, double High)? Band { get; init; }
    /// <summary>Notch frequency, Hz (null: the card's; 0 none).</summary>
    public double? Notch { get; init; }
    /// <summary>Channels to keep, by label (null: the model's channels, or all).</summary>
    public IReadOnlyList<string>? Channels { get; init; }
    /// <summary>Resample the stream to this rate first (null: no resampling).</summary>
    public double? ResampleTo { get; init; }
    /// <summary>The ONNX model (null: per-channel band power instead of predictions).</summary>
    public string? ModelPath { get; init; }
    /// <summary>How the model runs.</summary>
    public ModelRunnerOptions Runner { get; init; } = new();
    /// <summary>How probabilities become commands.</summary>
    public DecisionOptions Decisions { get; init; } = new();
}
