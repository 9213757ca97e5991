namespace Pipeline.Tests.Audio;

/// <summary>A fact that needs a virtual microphone (pulseaudio + paplay); skipped with the reason where they are missing, except in CI.</summary>
public sealed class VirtualMicrophoneFactAttribute : FactAttribute
{
    public VirtualMicrophoneFactAttribute()
    {
        if (!VirtualMicrophone.IsCi && !VirtualMicrophone.ToolsPresent) Skip = VirtualMicrophone.MissingToolsReason;
    }
}
