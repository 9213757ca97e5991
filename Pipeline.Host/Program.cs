using System.CommandLine;
using Pipeline.Host.Verbs;

namespace Pipeline.Host;

/// <summary>The <c>pipeline</c> command.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        // Spectre assumes 80 columns when output goes to a file or pipe; tables then wrap badly.
        if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 160;
        args = Cli.LegacySpellings.Rewrite(args, Console.Error);
        var root = CreateRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && !AsksForHelp(args)) return UsageError(parse);
        return parse.Invoke();
    }

    /// <summary>Every verb with its options, as <c>--help</c> shows them.</summary>
    internal static RootCommand CreateRoot()
    {
        var root = new RootCommand("""
            pipeline — a real-time BCI and audio pipeline: signals in (LSL, XDF/EDF replay, simulator), windows,
            ONNX decoders, commands out.

            With no verb, replays the demo recording (recordings/demo-mi.xdf) through the demo model and shows the
            commands as they happen, then a summary.

            Examples:
              pipeline                                          the demo
              pipeline info recordings/demo-mi.xdf              what a recording holds
              pipeline replay recordings/demo-mi.xdf --fast     cut it into windows as fast as possible
              pipeline epochs S001R04.edf --markers T1,T2 --tmin 0.5 --tmax 3.5 --band 8 30 --out epochs.npz
              pipeline simulate --minutes 3 --seed 1 --out recordings/demo-mi.xdf
              pipeline replay recordings/demo-mi.xdf --to-lsl   (a stand-in amplifier on LSL)
              pipeline run --lsl type=EEG --model models/dbconformer-demo.onnx --to-lsl
              pipeline lsl list
            """);
        root.Subcommands.Add(InfoVerb.Create());
        root.Subcommands.Add(ReplayVerb.Create());
        root.Subcommands.Add(RunVerb.Create());
        root.Subcommands.Add(LslVerb.Create());
        root.Subcommands.Add(EpochsVerb.Create());
        root.Subcommands.Add(SimulateVerb.Create());
        root.Subcommands.Add(BenchVerb.Create());
        root.Subcommands.Add(ServeVerb.Create());
        ListenVerb.Attach(root);
        DemoVerb.Attach(root);
        return root;
    }

    // The parser names .NET types ('System.Nullable`1[System.Double]'); a user reads 'a number'.
    private static string Plain(string message) => System.Text.RegularExpressions.Regex.Replace(message,
        @"expected type '(System\.Nullable`1\[)?System\.(\w+)\]?'",
        m => m.Groups[2].Value switch
        {
            "Double" or "Single" => "a number",
            "Int32" or "Int64" => "a whole number",
            "Boolean" => "true or false",
            var other => other,
        } is var plain ? $"expected {plain}" : m.Value);

    private static bool AsksForHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?" or "/?" or "--version");

    /// <summary>
    /// A usage mistake (a missing argument, an unknown verb or option, a malformed value): one line saying what is
    /// wrong and which help to read, exit 2, as for any other user error; the full help would bury the message.
    /// </summary>
    private static int UsageError(ParseResult parse)
    {
        var verb = new List<string>();
        for (var c = parse.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
            if (c.Command is not RootCommand) verb.Insert(0, c.Command.Name);
        var help = verb.Count == 0 ? "pipeline --help" : $"pipeline {string.Join(' ', verb)} --help";
        var message = string.Join(" ", parse.Errors.Select(e => Plain(e.Message).TrimEnd('.') + "."));
        Console.Error.WriteLine($"error: {message} See '{help}'.");
        return Cli.UserError.ExitUserError;
    }
}
