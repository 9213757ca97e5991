using Pipeline.Core.Signals;

namespace Pipeline.Host.Cli;

/// <summary>Turns exceptions a user can cause into one printed sentence and an exit code.</summary>
internal static class UserError
{
    /// <summary>Exit code for a user error (bad file, bad option): the program could not go on.</summary>
    public const int ExitUserError = 2;
    /// <summary>Exit code for a damaged recording that was used up to the damage (truncated, corrupt chunks).</summary>
    public const int ExitDamagedInput = 3;
    /// <summary>Exit code for a bug: an exception nobody anticipated.</summary>
    public const int ExitInternalError = 70;

    /// <summary>Runs <paramref name="body"/>, printing a user error as one line on stderr (no stack trace).</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"error: {message}");
            return ExitUserError;
        }
        catch (OperationCanceledException) when (BatchStop.Requested)
        {
            return BatchStop.Stopped(); // a verb that saw SIGTERM/SIGINT/SIGHUP and ended early: one line, exit 0
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("stopped.");
            return 130;
        }
        catch (Exception e)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"internal error: {e.GetType().Name}: {e.Message} — this is a bug in pipeline; please report it with the command you ran" +
                (Environment.GetEnvironmentVariable("PIPELINE_DEBUG") == "1" ? Environment.NewLine + e : " (set PIPELINE_DEBUG=1 for details)."));
            return ExitInternalError;
        }
    }

    /// <summary>
    /// After a verb used a recording: when the reader had to recover from damage, prints one error line naming the
    /// file and the first problem, and returns <see cref="ExitDamagedInput"/>; otherwise <paramref name="exitCode"/>.
    /// </summary>
    public static int CheckDamage(string path, IReadOnlyList<string> warnings, int exitCode = 0)
    {
        if (warnings.Count == 0) return exitCode;
        Console.Out.Flush();
        var more = warnings.Count > 1 ? $" (and {warnings.Count - 1} more problem{(warnings.Count > 2 ? "s" : "")}, listed above)" : "";
        Console.Error.WriteLine($"error: the recording '{path}' is damaged: {warnings[0].TrimEnd('.')}{more}; what could be read was used, but check the file or re-export it.");
        return ExitDamagedInput;
    }

    /// <summary>The one-sentence message for an exception a user can cause, or null for a bug.</summary>
    public static string? Describe(Exception e) => e switch
    {
        PipelineException p => p.Message,
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        _ when e.GetType().Name.EndsWith("FormatException", StringComparison.Ordinal) && e.GetType().Namespace?.StartsWith("Pipeline", StringComparison.Ordinal) == true => e.Message,
        _ => null,
    };
}
