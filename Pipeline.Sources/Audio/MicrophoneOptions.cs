using Pipeline.Core.Audio;

namespace Pipeline.Sources.Audio;

/// <summary>How to open a microphone.</summary>
public sealed record MicrophoneOptions
{
    /// <summary>The device name from <c>pipeline audio devices</c>; null for the system default.</summary>
    public string? Device { get; init; }
    /// <summary>Samples per chunk at 16 kHz (160..320, i.e. 10-20 ms).</summary>
    public int ChunkSamples { get; init; } = SpeechAudio.ChunkSamples;
    /// <summary>The PulseAudio server to connect to (null: the default, e.g. $PULSE_SERVER or the user's socket).</summary>
    public string? Server { get; init; }
    /// <summary>The name the stream shows in the pipeline and in the sound server.</summary>
    public string StreamName { get; init; } = "microphone";
}
