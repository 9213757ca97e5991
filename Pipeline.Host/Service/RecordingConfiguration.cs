namespace Pipeline.Host.Service;

/// <summary>Recording of a session's raw stream, markers, predictions and commands into one XDF file.</summary>
internal sealed record RecordingConfiguration
{
    /// <summary>The XDF path; <c>{id}</c> becomes the session id and <c>{start}</c> the UTC start time (yyyyMMdd-HHmmss).</summary>
    public string? Xdf { get; init; }
}
