namespace Pipeline.Host.Service;

/// <summary>The decoder of a session.</summary>
internal sealed record ModelConfiguration
{
    /// <summary>The ONNX file, with its card (.json) next to it: an EEG decoder, or for audio sources a keyword head (its card names its upstream).</summary>
    public string? Path { get; init; }
    /// <summary>cpu, cuda or auto.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>Audio sources: the Silero VAD model (default: models/silero-vad/silero_vad.onnx, found from the program's folder).</summary>
    public string? Vad { get; init; }
}
