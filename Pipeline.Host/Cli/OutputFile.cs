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
    private static readonly Lock Gate = new();
    private static readonly HashSet<string> InFlight = [];
    private static readonly List<string> RemovedFiles = [];
    private static bool s_abandoned;

    /// <summary>The unfinished <c>.partial</c> files this process removed (a stop or a failure during their writing).</summary>
    public static IReadOnlyList<string> Discarded
    {
        get { lock (Gate) return RemovedFiles.ToArray(); }
    }

    /// <summary>
    /// Runs <paramref name="write"/> on the path to write, then puts the result in place; failures are one clear error
    /// naming <paramref name="option"/>. A requested stop (<see cref="OperationCanceledException"/> from the writer)
    /// removes the unfinished file and leaves the target as it was.
    /// </summary>
    public static void Write(string path, string option, Action<string> write)
    {
        var target = ScratchPath(path);
        lock (Gate)
        {
            if (s_abandoned) throw new OperationCanceledException("The process is stopping; no new output is started.");
            if (target != path) InFlight.Add(target);
        }
        try
        {
            write(target);
            if (target != path) File.Move(target, path, overwrite: true);
        }
        catch (OperationCanceledException)
        {
            if (target != path) Remove(target);
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PipelineException)
        {
            if (target != path) Remove(target);
            if (e is PipelineException) throw;
            throw new PipelineException($"'{path}' could not be written ({e.Message.TrimEnd('.')}); free some space or choose another {option}.", e);
        }
        finally
        {
            lock (Gate) InFlight.Remove(target);
        }
    }

    /// <summary>
    /// Removes every output still being written (its <c>.partial</c> file) and refuses new ones, for a process that ends
    /// before its verb finished; returns every unfinished file removed.
    /// </summary>
    public static IReadOnlyList<string> Abandon()
    {
        lock (Gate)
        {
            s_abandoned = true;
            foreach (var target in InFlight.ToArray()) Remove(target);
            return RemovedFiles.ToArray();
        }
    }

    /// <summary>Where the data goes first: in place for an existing zero-length target (a device or an empty file), else beside it.</summary>
    public static string ScratchPath(string path) =>
        File.Exists(path) && new FileInfo(path).Length == 0 ? path : path + ".partial";

    private static void Remove(string partial)
    {
        try
        {
            if (!File.Exists(partial)) return;
            File.Delete(partial);
            lock (Gate) RemovedFiles.Add(partial);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
