using Pipeline.Core.Signals;

namespace Pipeline.Sources.Replay;

/// <summary>Recognises a recording's format by its first bytes, never by its extension alone.</summary>
public static class RecordingFormats
{
    /// <summary>
    /// True for a WAV file: by its RIFF/WAVE header, or by its <c>.wav</c> extension when it cannot be read (so that a
    /// missing or unreadable speech file is reported as such by the speech path).
    /// </summary>
    public static bool IsWav(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            using var f = File.OpenRead(path);
            Span<byte> head = stackalloc byte[12];
            if (f.ReadAtLeast(head, 12, throwOnEndOfStream: false) == 12)
                return head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return path.EndsWith(".wav", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Opens <paramref name="path"/> as XDF, EDF/EDF+/BDF, GDF or WAV.</summary>
    public static Recording Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
            throw new PipelineException($"'{path}' is a folder, not a recording; give the path of an .xdf, .edf, .bdf or .gdf file.");
        if (!File.Exists(path))
            throw new PipelineException($"The recording '{path}' does not exist; check the path (recordings/ holds the demo, e.g. recordings/demo-mi.xdf).");
        Span<byte> head = stackalloc byte[8];
        int n;
        try
        {
            using var f = File.OpenRead(path);
            n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineException($"The recording '{path}' cannot be read ({e.Message.TrimEnd('.')}); check its permissions.", e);
        }
        head = head[..n];
        if (n == 0)
            throw new PipelineException($"The recording '{path}' is empty (0 bytes); it was probably not saved completely.");
        if (head.StartsWith("XDF:"u8)) return XdfRecording.Open(path);
        if (head.StartsWith("0       "u8) || (n == 8 && head[0] == 0xFF && head[1..].SequenceEqual("BIOSEMI"u8))) return EdfRecording.Open(path);
        if (head.StartsWith("GDF"u8))
            return GdfRecording.Open(path);
        if (IsWav(path)) return WavRecording.Open(path);
        throw new PipelineException($"'{path}' is neither an XDF nor an EDF/EDF+/BDF (nor a GDF) recording (its first bytes are not 'XDF:', an EDF version field or 'GDF'); give a recording in one of those formats.");
    }
}
