using Spectre.Console;

namespace Pipeline.Host.Cli;

/// <summary>
/// A live status line (a Spectre.Console spinner) while long work runs, on a terminal only: when the output is
/// redirected (a file, a pipe, systemd's journal) nothing extra is written, so logs and parsers see only the results.
/// </summary>
internal static class LiveStatus
{
    /// <summary>Whether a status line would be shown: an interactive terminal with its output not redirected.</summary>
    public static bool OnTerminal => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    /// <summary>
    /// Runs <paramref name="work"/> on this thread; on a terminal the line <paramref name="status"/> describes is
    /// shown below the output and refreshed four times a second, then removed. The status text is plain (escaped here).
    /// </summary>
    public static T Run<T>(Func<string> status, Func<T> work)
    {
        if (!OnTerminal) return work();
        return AnsiConsole.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(status()), context =>
        {
            // The work writes its own lines meanwhile; Spectre draws them above the status line.
            using var refresh = new Timer(_ => context.Status(Markup.Escape(status())), null, 250, 250);
            return work();
        });
    }

    /// <summary>Shows <c>what: mm:ss elapsed</c> while the verb's own action runs (on a terminal only).</summary>
    public static void Wrap(System.CommandLine.Command command, string what)
    {
        if (command.Action is not System.CommandLine.Invocation.SynchronousCommandLineAction inner) return;
        command.SetAction(parse => Elapsed(what, () => inner.Invoke(parse)));
    }

    /// <summary>A status line that counts the seconds since <paramref name="what"/> began.</summary>
    public static T Elapsed<T>(string what, Func<T> work)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        return Run(() => $"{what}: {started.Elapsed:mm\\:ss} elapsed", work);
    }
}
