namespace Pipeline.Host.Service;

/// <summary>The decoder of a session.</summary>
internal sealed record ModelConfiguration
{
    /// <summary>The ONNX file, with its card (.json) next to it: an EEG decoder, or for audio sources a keyword head (its card names its upstream).</summary>
    public string? Path { get; init; }
    /// <summary>cpu, cuda or auto.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>EEG sessions: cue markers that open trials, one per class (default: the card's markers and class names).</summary>
    public IReadOnlyList<string>? Markers { get; init; }
    /// <summary>EEG sessions: the model's class for each of <see cref="Markers"/>, same order (default: the marker texts).</summary>
    public IReadOnlyList<string>? Classes { get; init; }
    /// <summary>EEG sessions with an online-alignment card: a recording of the same person whose windows seed the alignment.</summary>
    public string? AlignCalibration { get; init; }
    /// <summary>Audio sources: the Silero VAD model (default: models/silero-vad/silero_vad.onnx, found from the program's folder).</summary>
    public string? Vad { get; init; }
}
