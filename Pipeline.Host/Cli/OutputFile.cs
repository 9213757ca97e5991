using Pipeline.Core.Signals;

namespace Pipeline.Host.Cli;

/// <summary>
/// Writes a verb's output file so that a failed run (a full disk, /dev/full, a kill) never leaves a half file under
/// the name asked for nor destroys the file that was there: the data goes to <c>name.partial</c> and replaces the
/// target only once complete. A target that exists with length 0 (a device such as /dev/null or /dev/full, or an
/// empty file) is written in place instead, because a device must never be renamed over or deleted.
/// </summary>
internal static class OutputFile
{
    /// <summary>Runs <paramref name="write"/> on the path to write, then puts the result in place; failures are one clear error naming <paramref name="option"/>.</summary>
    public static void Write(string path, string option, Action<string> write)
    {
        var target = ScratchPath(path);
        try
        {
            write(target);
            if (target != path) File.Move(target, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PipelineException)
        {
            if (target != path)
            {
                try { File.Delete(target); }
                catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            }
            if (e is PipelineException) throw;
            throw new PipelineException($"'{path}' could not be written ({e.Message.TrimEnd('.')}); free some space or choose another {option}.", e);
        }
    }

    /// <summary>Where the data goes first: in place for an existing zero-length target (a device or an empty file), else beside it.</summary>
    public static string ScratchPath(string path) =>
        File.Exists(path) && new FileInfo(path).Length == 0 ? path : path + ".partial";
}
