using Pipeline.Core.Signals;

namespace Pipeline.Sources.Replay;

/// <summary>Recognises a recording's format by its first bytes, never by its extension alone.</summary>
public static class RecordingFormats
{
    /// <summary>
    /// True for a WAV file: by its RIFF/WAVE header (<see cref="Audio.WavHeader.IsWavFile"/>), or by its <c>.wav</c>
    /// extension when the file does not exist (so that a missing speech file is reported as such by the speech path).
    /// </summary>
    public static bool IsWav(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return File.Exists(path) ? Audio.WavHeader.IsWavFile(path) : path.EndsWith(".wav", StringComparison.OrdinalIgnoreCase);
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
        if (Audio.WavHeader.IsWavFile(path)) return WavRecording.Open(path);
        throw new PipelineException($"'{path}' is neither an XDF nor an EDF/EDF+/BDF (nor a GDF) recording (its first bytes are not 'XDF:', an EDF version field or 'GDF'); give a recording in one of those formats.");
    }
}
