using System.CommandLine;
using System.Globalization;
using System.Reactive.Linq;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Host.Dashboard;
using Pipeline.Host.Sessions;
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
        var lsl = new Option<string>("--lsl") { Description = "The EEG stream, as key=value (type=EEG, name=BioSemi, source_id=...) or an XPath predicate.", Required = true };
        var markers = new Option<string?>("--markers-lsl") { Description = "A marker stream with cues (e.g. type=Markers), for online accuracy and to pass cues to the sinks." };
        var model = new Option<string>("--model", "-m") { Description = "The ONNX model with its card (.json) next to it.", Required = true };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds (default: at Ctrl+C)." };
        var idleStop = new Option<double?>("--idle-stop") { Description = "Stop when the stream has sent nothing for this many seconds (e.g. at the end of a replayed recording)." };
        var hop = new Option<double>("--hop") { Description = "Window hop in seconds.", DefaultValueFactory = _ => 0.25 };
        var notch = CommonOptions.Notch();
        var resample = new Option<double?>("--resample") { Description = "Resample the stream to this rate (Hz) first, e.g. to match the model." };
        var outJsonl = CommonOptions.Out("Write predictions, commands, markers and gaps as JSON Lines to this file.");
        var csv = new Option<string?>("--csv") { Description = "Write predictions and commands as CSV to this file." };
        var toLsl = new Option<bool>("--to-lsl") { Description = "Publish commands (a string marker stream 'PipelineCommands') and class probabilities ('PipelinePredictions') on LSL." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only commands and the summary." };
        var resolveTimeout = new Option<double>("--resolve-timeout") { Description = "Seconds to look for the streams.", DefaultValueFactory = _ => 10 };
        var device = CommonOptions.Device();
        var config = LslOptions.Config();
        var decisions = new CommonOptions.DecisionOptionSet();
        var dashboard = DashboardOption.Create();
        var command = new Command("run", """
            A live session: decode an LSL EEG stream with a model until Ctrl+C, sending commands to the console,
            files and, with --to-lsl, back out over LSL. The stream is checked against the model card first (channels
            by label, rate, window). Timestamps are corrected to this machine's LSL clock.

            Examples:
              pipeline run --lsl type=EEG --model models/dbconformer-demo.onnx
              pipeline run --lsl name=BioSemi --markers-lsl type=Markers --model my.onnx --to-lsl --out session.jsonl
              pipeline run --lsl type=EEG --model models/dbconformer-demo.onnx --dashboard        (a live page; open the printed URL)
            """) { lsl, markers, model, duration, idleStop, hop, notch, resample, outJsonl, csv, toLsl, quiet, resolveTimeout, device, config, dashboard };
        decisions.AddTo(command);
        command.SetAction(parse => UserError.Run(() =>
        {
            var pageAddress = DashboardOption.Parse(parse, dashboard); // a bad address is reported before any stream is looked for
            var cfg = LslOptions.Load(parse.GetValue(config));
            var timeout = parse.GetValue(resolveTimeout);
            var console = AnsiConsole.Console;
            var sinks = new List<IPipelineSink>();
            try
            {
                // The LSL outputs exist before the input is opened, so a consumer can connect before the first command.
                if (parse.GetValue(toLsl))
                {
                    var card = Pipeline.Core.Inference.ModelCard.Load(Pipeline.Core.Inference.ModelCard.PathFor(parse.GetValue(model)!));
                    sinks.Add(new LslCommandSink(config: cfg));
                    sinks.Add(new LslPredictionSink(valueNames: card.Classes, config: cfg));
                }
                using var eeg = LslSource.Open(new LslSourceOptions(Predicate: LslOptions.Predicate(parse.GetValue(lsl)!), ResolveTimeout: timeout, Config: cfg));
                if (eeg.Description.Format == ValueFormat.String)
                    throw new PipelineException($"The LSL stream '{eeg.Description.Name}' carries text markers, not signals; point --lsl at the EEG stream and --markers-lsl at this one.");
                using var cues = parse.GetValue(markers) is { } m ? LslSource.Open(new LslSourceOptions(Predicate: LslOptions.Predicate(m), ResolveTimeout: timeout, Config: cfg)) : null;

                var settings = new DecodingSettings
                {
                    Session = "live",
                    ModelPath = parse.GetValue(model),
                    HopSeconds = parse.GetValue(hop),
                    Notch = parse.GetValue(notch),
                    ResampleTo = parse.GetValue(resample),
                    Runner = new() { Device = CommonOptions.ParseDevice(parse.GetValue(device)) },
                    Decisions = decisions.Parse(parse),
                };
                using var session = new DecodingSession(eeg.Description, settings, sinks, line => console.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
                sinks.Add(new ConsoleSink(new ConsoleSinkOptions(parse.GetValue(quiet) ? 0 : 2, ShowMarkers: !parse.GetValue(quiet))));
                if (parse.GetValue(outJsonl) is { } j) sinks.Add(new JsonLinesSink(j));
                if (parse.GetValue(csv) is { } c) sinks.Add(new CsvSink(c));
                console.MarkupLine($"[bold]live[/] LSL stream '{Markup.Escape(eeg.Description.Name)}' ({eeg.Description.ChannelCount} channels at {eeg.Description.NominalRate.ToString("G", Inv)} Hz)" +
                    (cues is not null ? $" with cues from '{Markup.Escape(cues.Description.Name)}'" : "") +
                    $" → {Markup.Escape(Path.GetFileName(settings.ModelPath!))} on {session.Runner!.Device}" + (parse.GetValue(toLsl) ? " → LSL 'PipelineCommands'" : "") +
                    (parse.GetValue(duration) is { } d0 ? $" for {d0.ToString("G", Inv)} s" : "; Ctrl+C to stop"));

                using var page = pageAddress is { } address
                    ? DashboardOption.Start(address, new SingleSessionDashboard($"run {eeg.Description.Name}", SessionMonitors.Attach(session, settings.Session, sinks),
                        $"LSL '{eeg.Description.Name}'", eeg.Description.NominalRate, () => session))
                    : null;
                // Chunks and cues come from different threads: serialise them into one ordered event stream.
                var events = Observable.Merge(
                        eeg.Chunks.Select(SourceEvent.FromChunk),
                        cues?.Markers.Select(SourceEvent.FromMarker) ?? Observable.Never<SourceEvent>())
                    .Synchronize();
                using var gaps = eeg.Gaps.Subscribe(g => console.MarkupLine($"[red]stream lost and recovered: {g.Duration.ToString("F2", Inv)} s missing[/]"));
                using var cancel = new CancellationTokenSource();
                if (parse.GetValue(duration) is { } d) cancel.CancelAfter(TimeSpan.FromSeconds(d));
                using var idle = parse.GetValue(idleStop) is { } quietFor
                    ? new Timer(_ =>
                    {
                        var last = session.LastChunkTicks;
                        if (last != 0 && System.Diagnostics.Stopwatch.GetElapsedTime(last).TotalSeconds > quietFor) cancel.Cancel();
                    }, null, 100, 100)
                    : null;
                ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
                Console.CancelKeyPress += onCancel;
                try
                {
                    session.Run(events, cancel.Token, () => { eeg.Start(); cues?.Start(); });
                }
                finally
                {
                    Console.CancelKeyPress -= onCancel;
                }
                return 0;
            }
            finally
            {
                foreach (var s in sinks) s.Dispose();
            }
        }));
        return command;
    }
}
