namespace Pipeline.Host.Service;

/// <summary>The decoder of a session.</summary>
internal sealed record ModelConfiguration
{
    /// <summary>The ONNX file, with its card (.json) next to it.</summary>
    public string? Path { get; init; }
    /// <summary>cpu, cuda or auto.</summary>
    public string Device { get; init; } = "cpu";
}
