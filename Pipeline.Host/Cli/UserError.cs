using Pipeline.Core.Signals;

namespace Pipeline.Host.Cli;

/// <summary>Turns exceptions a user can cause into one printed sentence and an exit code.</summary>
internal static class UserError
{
    /// <summary>Exit code for a user error (bad file, bad option): the program could not go on.</summary>
    public const int ExitUserError = 2;
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

    /// <summary>The one-sentence message for an exception a user can cause, or null for a bug.</summary>
    public static string? Describe(Exception e) => e switch
    {
        PipelineException p => p.Message,
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        _ when e.GetType().Name.EndsWith("FormatException", StringComparison.Ordinal) && e.GetType().Namespace?.StartsWith("Pipeline", StringComparison.Ordinal) == true => e.Message,
        _ => null,
    };
}
