namespace Pipeline.Sources.Audio;

/// <summary>A capture device (PulseAudio/PipeWire source, or a Windows wave-in device) that can be opened by <see cref="Name"/>.</summary>
/// <param name="Name">The name to pass as the device (a PulseAudio source name, or the Windows device number).</param>
/// <param name="Description">A human-readable description.</param>
/// <param name="IsDefault">True for the system's default capture device.</param>
/// <param name="IsMonitor">True when the device records what a sink plays (a PulseAudio monitor source), not a microphone.</param>
public sealed record AudioDevice(string Name, string Description, bool IsDefault, bool IsMonitor);
