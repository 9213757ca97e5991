using Pipeline.Core.Signals;

namespace Pipeline.Sources.Audio;

/// <summary>Opens the platform's microphone: PulseAudio/PipeWire on Linux, NAudio wave-in on Windows.</summary>
public static class Microphone
{
    /// <summary>Opens a capture stream with <paramref name="options"/>.</summary>
    /// <exception cref="PipelineException">No audio server or device, or an unsupported OS.</exception>
    public static IMicrophone Open(MicrophoneOptions options)
    {
        if (OperatingSystem.IsWindows()) return WaveInMicrophone.Open(options);
        if (OperatingSystem.IsLinux()) return PulseAudioMicrophone.Open(options);
        throw new PipelineException("Live audio capture is supported on Linux (PulseAudio/PipeWire) and Windows only; use --file on this system.");
    }

    /// <summary>Lists the capture devices of this machine.</summary>
    /// <exception cref="PipelineException">No audio server, or an unsupported OS.</exception>
    public static IReadOnlyList<AudioDevice> ListDevices(string? server = null)
    {
        if (OperatingSystem.IsWindows()) return WaveInMicrophone.ListDevices();
        if (OperatingSystem.IsLinux()) return PulseAudioMicrophone.ListDevices(server);
        throw new PipelineException("Listing audio devices is supported on Linux (PulseAudio/PipeWire) and Windows only.");
    }
}
