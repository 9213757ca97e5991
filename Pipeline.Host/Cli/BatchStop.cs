using System.CommandLine;
using System.CommandLine.Invocation;
using System.Runtime.ExceptionServices;

namespace Pipeline.Host.Cli;

/// <summary>
/// SIGTERM, SIGINT and SIGHUP for the verbs that run to completion (<c>info</c>, <c>epochs</c>, <c>simulate</c>,
/// <c>bench ...</c>, <c>lsl list</c>, <c>lsl bench</c>, <c>audio devices</c>). Without it .NET ends them at once
/// (exit 143, 130 or 129) and a file being written stays behind as <c>name.partial</c>. With it a requested stop ends
/// the verb with exit 0 and one line saying what was stopped and what was kept: a verb that watches <see cref="Token"/>
/// ends on its own terms (<c>simulate</c> closes its XDF with footers; <c>epochs</c> removes its unfinished file), and
/// one that does not (a benchmark mid-measurement) is cut short after <see cref="Grace"/>, its unfinished output removed.
/// </summary>
/// <remarks>The live verbs (run, replay, listen, lsl record, serve) stop through their own <see cref="ConsoleCancellation"/>.</remarks>
internal static class BatchStop
{
    /// <summary>How long a verb may take to end after the stop before it is cut short.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    // The verb gets the stack the main thread would have given it (a secondary thread's default is smaller).
    private const int MainThreadStack = 8 << 20;

    private static ConsoleCancellation? s_current;
    private static string s_what = "the verb";
    private static int s_reported;

    /// <summary>Fires when a stop is requested while a wrapped verb runs (never outside one).</summary>
    public static CancellationToken Token => s_current?.Token ?? CancellationToken.None;

    /// <summary>True once a stop signal arrived for the running verb.</summary>
    public static bool Requested => s_current?.StoppedBy is not null;

    private static string StoppedBy => s_current?.StoppedBy ?? "stop";

    /// <summary>Runs the verb's action on a worker thread, so a stop can end the verb even where it does not watch <see cref="Token"/>.</summary>
    public static void Wrap(Command command, string what)
    {
        if (command.Action is not SynchronousCommandLineAction inner) return;
        command.SetAction(parse => Run(what, () => inner.Invoke(parse)));
    }

    /// <summary>Runs <paramref name="work"/> until it ends or, after a stop signal, at most <see cref="Grace"/> longer.</summary>
    public static int Run(string what, Func<int> work)
    {
        using var cancel = new ConsoleCancellation(announce: false);
        s_current = cancel;
        s_what = what;
        try
        {
            return RunOnWorker(what, work, cancel);
        }
        finally
        {
            s_current = null; // its token source is disposed with it
        }
    }

    private static int RunOnWorker(string what, Func<int> work, ConsoleCancellation cancel)
    {
        var result = 0;
        ExceptionDispatchInfo? failure = null;
        var done = new ManualResetEventSlim(); // not disposed: a worker cut short still sets it on its way out
        var worker = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            finally { done.Set(); }
        }, MainThreadStack) { IsBackground = true, Name = what };
        worker.Start();
        WaitHandle.WaitAny([done.WaitHandle, cancel.Token.WaitHandle]);
        if (!done.IsSet && !done.Wait(Grace))
        {
            // The verb does not watch the stop: its results so far are not worth a half file, so whatever it was
            // writing is removed and the process ends here (the worker is a background thread).
            Say($"stopped {what} before it finished; {Kept(OutputFile.Abandon())}");
            return 0;
        }
        failure?.Throw();
        return result;
    }

    /// <summary>
    /// For a verb that saw the stop (an <see cref="OperationCanceledException"/> from <see cref="Token"/>) and kept
    /// nothing: says so in one line and gives the exit code of a requested stop, 0.
    /// </summary>
    public static int Stopped()
    {
        if (Interlocked.Exchange(ref s_reported, 1) == 0) Say($"stopped {s_what} before it finished; {Kept(OutputFile.Discarded)}");
        return 0;
    }

    /// <summary>For a verb that ended early on the stop and kept what it did: <paramref name="kept"/> is the one line saying so.</summary>
    public static void Report(string kept)
    {
        if (Interlocked.Exchange(ref s_reported, 1) == 0) Say(kept);
    }

    private static string Kept(IReadOnlyList<string> removed) => removed.Count == 0
        ? "nothing was written."
        : $"nothing was written (the unfinished {string.Join(", ", removed.Select(p => $"'{p}'"))} was removed; what was there before is as it was).";

    private static void Say(string line)
    {
        try
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"{StoppedBy}: {line}");
        }
        catch (IOException) { } // the terminal that sent SIGHUP may be gone
    }
}
