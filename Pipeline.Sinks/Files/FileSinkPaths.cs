using Pipeline.Core.Signals;

namespace Pipeline.Sinks.Files;

/// <summary>Opens output files with one clear error when that is impossible.</summary>
public static class FileSinkPaths
{
    /// <summary>Creates (or truncates) a buffered output file, creating its folder.</summary>
    public static FileStream Create(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineException($"Cannot write the output file '{path}' ({e.Message.TrimEnd('.')}); choose a writable path with --out.", e);
        }
    }
}
