using System.CommandLine;
using System.Globalization;
using System.Reactive.Linq;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Host.Cli;
using Pipeline.Host.Sessions;
using Pipeline.Host.Dashboard;
using Pipeline.Sinks.Console;
using Pipeline.Sinks.Files;
using Pipeline.Sinks.Lsl;
using Pipeline.Sources.Lsl;
using Spectre.Console;

namespace Pipeline.Host.Verbs;

/// <summary><c>pipeline run --lsl ...</c>: a live session on an LSL stream until Ctrl+C.</summary>
internal static class RunVerb
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var lsl = new Option<string>("--lsl") { HelpName = "query", Description = "The EEG stream: an LSL query, as key=value (type=EEG, name=BioSemi, source_id=...) or an XPath predicate.", Required = true };
        var markers = new Option<string?>("--markers-lsl") { HelpName = "query", Description = "A marker stream with cues: an LSL query (e.g. type=Markers), for online accuracy and to pass cues to the sinks." };
        var model = new Option<string>("--model", "-m") { Description = "The ONNX model with its card (.json) next to it.", Required = true };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds (default: until Ctrl+C, SIGTERM or SIGHUP)." };
        var idleStop = new Option<double?>("--idle-stop") { Description = "Stop when the stream has sent nothing for this many seconds (e.g. at the end of a replayed recording)." };
        var hop = new Option<double>("--hop") { Description = "Window hop in seconds.", DefaultValueFactory = _ => 0.25 };
        var notch = CommonOptions.Notch();
        var resample = new Option<double?>("--resample") { Description = "Resample the stream to this rate (Hz) first, e.g. to match the model." };
        var outJsonl = CommonOptions.JsonLines("Write predictions, commands, markers and gaps as JSON Lines to this file.");
        var csv = new Option<string?>("--csv") { Description = "Write predictions and commands as CSV to this file." };
        var toLsl = new Option<bool>("--to-lsl") { Description = "Publish commands (a string marker stream 'PipelineCommands') and class probabilities ('PipelinePredictions') on LSL." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only commands and the summary." };
        var resolveTimeout = new Option<double>("--wait") { Description = "Seconds to wait for the streams to appear.", DefaultValueFactory = _ => 10 };
        var device = CommonOptions.Device();
        var config = LslOptions.Config();
        var decisions = new CommonOptions.DecisionOptionSet();
        var cueOptions = new CueOptionSet();
        var calibration = CommonOptions.AlignCalibration();
        var dashboard = DashboardOption.Create();
        var command = new Command("run", """
            A live session: decode an LSL EEG stream with a model until Ctrl+C, sending commands to the console,
            files and, with --to-lsl, back out over LSL. The stream is checked against the model card first (channels
            by label, rate, window). Timestamps are corrected to this machine's LSL clock. With cues on a marker
            stream (--markers-lsl), each cued trial's epoch is classified for the online trial accuracy; --markers and
            --classes map the cue texts to the model's classes when they differ from the card's. --align-calibration seeds
            the model's online alignment from a recording of the same person made before.

            Examples:
              pipeline run --lsl type=EEG --model models/dbconformer-demo.onnx
              pipeline run --lsl name=BioSemi --markers-lsl type=Markers --model my.onnx --to-lsl --jsonl session.jsonl
              pipeline run --lsl type=EEG --markers-lsl type=Markers --markers T1,T2 --classes left,right --model models/dbconformer-eegmmidb-lr.onnx
              pipeline run --lsl type=EEG --model models/dbconformer-eegmmidb-lr.onnx --align-calibration calib.xdf
              pipeline run --lsl type=EEG --model models/dbconformer-demo.onnx --dashboard        (a live page; open the printed URL)
            """) { lsl, markers, model, duration, idleStop, hop, notch, resample, outJsonl, csv, toLsl, quiet, resolveTimeout, device, config, calibration, dashboard };
        decisions.AddTo(command);
        cueOptions.AddTo(command);
        command.SetAction(parse => UserError.Run(() =>
        {
            var pageAddress = DashboardOption.Parse(parse, dashboard); // a bad address is reported before any stream is looked for
            var cfg = LslOptions.Load(parse.GetValue(config));
            var timeout = parse.GetValue(resolveTimeout);
            var console = AnsiConsole.Console;
            var sinks = new List<IPipelineSink>();
            // Listening for SIGTERM/SIGINT/SIGHUP from the start: a stop while the streams are looked for ends cleanly too.
            using var cancel = new ConsoleCancellation();
            try
            {
                // The LSL outputs exist before the input is opened, so a consumer can connect before the first command.
                if (parse.GetValue(toLsl))
                {
                    var card = ModelCard.Load(ModelCard.PathFor(parse.GetValue(model)!));
                    sinks.Add(new LslCommandSink(config: cfg));
                    sinks.Add(new LslPredictionSink(valueNames: card.Classes, config: cfg));
                }
                // Never its own outlets: the command stream is of type Markers and would answer --markers-lsl type=Markers
                // (a live view: asked as each stream answers and again after every reconnect).
                var own = LslOwnOutlets.Uids;
                using var source = LslCuedSource.Open(
                    new LslSourceOptions(Predicate: LslQuery.Parse(parse.GetValue(lsl)!), ResolveTimeout: timeout, Config: cfg, Exclude: own),
                    parse.GetValue(markers) is { } m ? new LslSourceOptions(Predicate: LslQuery.Parse(m), ResolveTimeout: timeout, Config: cfg, Exclude: own) : null);
                var modelPath = parse.GetValue(model)!;
                using var runner = ModelRunner.Load(modelPath, new ModelRunnerOptions { Device = CommonOptions.ParseDevice(parse.GetValue(device)) },
                    line => console.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
                var session = DecodingSession.Create(source.Description, new DecodingOptions
                {
                    Session = "live",
                    HopSeconds = parse.GetValue(hop),
                    Notch = parse.GetValue(notch),
                    ResampleTo = parse.GetValue(resample),
                    Decisions = decisions.Parse(parse),
                    Cues = cueOptions.Parse(parse),
                }, runner);
                var calibrated = parse.GetValue(calibration) is { } calibrationPath ? CalibrationRecording.Seed(session, calibrationPath) : null;
                sinks.Add(new ConsoleSink(new ConsoleSinkOptions(parse.GetValue(quiet) ? 0 : 2, ShowMarkers: !parse.GetValue(quiet))));
                if (parse.GetValue(outJsonl) is { } j) sinks.Add(new JsonLinesSink(j));
                if (parse.GetValue(csv) is { } c) sinks.Add(new CsvSink(c));
                // Which streams were taken, so a wrong match (another program's stream of the same type) shows at once.
                console.MarkupLine($"[bold]live[/] LSL stream {Markup.Escape(Identify(source.Signal.Info))}, {source.Description.ChannelCount} channels at {source.Description.NominalRate.ToString("G", Inv)} Hz" +
                    (source.Cues is { } cues ? $", with cues from {Markup.Escape(Identify(cues.Info))}" : "") +
                    $" → {Markup.Escape(Path.GetFileName(modelPath))} on {runner.Device}" + (parse.GetValue(toLsl) ? " → LSL 'PipelineCommands'" : "") +
                    (parse.GetValue(duration) is { } d0 ? $" for {d0.ToString("G", Inv)} s" : "; Ctrl+C to stop"));
                CalibrationRecording.Describe(console, session, calibrated);
                foreach (var (role, taken) in new[] { ("signal", source.Signal), ("cue", source.Cues) })
                    if (taken is not null && LslOwnOutlets.IsPipelineOutput(taken.Info))
                        console.MarkupLine($"[yellow]note:[/] the {role} stream {Markup.Escape(Identify(taken.Info))} is another pipeline program's output; give a narrower query (name=..., source_id=...) if that is not meant");
                if (source.Cues is null && cueOptions.Parse(parse) is not null)
                    console.MarkupLine("[yellow]note:[/] --markers names cue markers, but no marker stream was given; add --markers-lsl type=Markers to score trials");
                // The live page's monitor is the last sink: its latency includes every other sink's time.
                var live = pageAddress is null ? null : SessionMonitors.Attach(session);
                if (live is not null) sinks.Add(live.Monitor);
                using var page = pageAddress is { } address && live is not null
                    ? DashboardOption.Start(address, new SingleSessionDashboard($"run {source.Description.Name}", live, $"LSL '{source.Description.Name}'"))
                    : null;

                if (parse.GetValue(duration) is { } seconds) cancel.CancelAfter(seconds);
                using var idle = parse.GetValue(idleStop) is { } quietFor
                    ? new Timer(_ =>
                    {
                        var last = session.LastChunkTicks;
                        if (last != 0 && System.Diagnostics.Stopwatch.GetElapsedTime(last).TotalSeconds > quietFor) cancel.Cancel();
                    }, null, 100, 100)
                    : null;
                // The inlet reports an outage it recovered from; the session finds the same hole in the timestamps.
                var events = source.Do(e =>
                {
                    if (e.IsGap) console.MarkupLine($"[red]stream lost and recovered: {e.Gap.Duration.ToString("F2", Inv)} s missing[/]");
                });
                var summary = session.Run(events, sinks, cancel.Token);
                // Live cues cannot be checked in advance: say so when none of the expected ones arrived.
                if (source.Cues is not null && session.Accuracy is { } accuracy && summary.Cues == 0)
                    console.MarkupLine($"[yellow]note:[/] no cue marker of the model's classes ({Markup.Escape(string.Join(", ", accuracy.CueMarkers.Order(StringComparer.Ordinal).Select(m => $"'{m}'")))}) arrived on '{Markup.Escape(source.Cues.Description.Name)}', so there is no accuracy; map the stream's markers with --markers ... --classes ...");
                return 0;
            }
            finally
            {
                foreach (var s in sinks) s.Dispose();
            }
        }));
        return command;
    }

    /// <summary>A stream as a user tells it apart from others: name, type, source id and host.</summary>
    internal static string Identify(Pipeline.Lsl.StreamInfo info) =>
        $"'{info.Name}' (type {info.Type}, source id '{info.SourceId}' on {info.Hostname})";
}
