using System.CommandLine;
using System.Globalization;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Host.Dashboard;
using Pipeline.Host.Sessions;
using Pipeline.Sinks.Console;
using Pipeline.Sinks.Files;
using Pipeline.Sources.Replay;
using Spectre.Console;

namespace Pipeline.Host.Verbs;

/// <summary><c>pipeline replay &lt;file&gt;</c>: a recording through the whole pipeline, paced or as fast as possible.</summary>
internal static class ReplayVerb
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var file = CommonOptions.RecordingArgument();
        file.Description = "An XDF (LabRecorder), EDF/EDF+/BDF or GDF recording, or a WAV file with a speech --model.";
        var model = new Option<string?>("--model", "-m") { Description = "An ONNX model with its card (.json) next to it (an EEG decoder, or for a WAV file an SSL keyword head); without one, each window emits its per-channel band power." };
        var speed = new Option<double?>("--speed") { Description = "Pace: 1 plays like live, N plays N times faster (default 1)." };
        var fast = new Option<bool>("--fast") { Description = "As fast as possible, in the recording's own time (no pacing, nothing dropped)." };
        var window = new Option<double?>("--window") { Description = "Window length in seconds (default: the model's, or 4)." };
        var hop = new Option<double>("--hop") { Description = "Window hop in seconds.", DefaultValueFactory = _ => 0.25 };
        var band = CommonOptions.Band("Band-pass edges in Hz (default: the model card's band, or 8 30 for band power).");
        var notch = CommonOptions.Notch();
        var channels = CommonOptions.Channels();
        var stream = CommonOptions.Stream();
        var resample = new Option<double?>("--resample") { Description = "Resample the stream to this rate (Hz) first, e.g. to match a model." };
        var chunk = new Option<int>("--chunk") { Description = "Frames per chunk (default: about 40 ms worth, like an LSL amplifier)." };
        var outJsonl = CommonOptions.Out("Write every prediction, command, marker and gap as JSON Lines to this file.");
        var csv = new Option<string?>("--csv") { Description = "Write predictions and commands as CSV to this file." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only commands and the summary." };
        var device = CommonOptions.Device();
        var decisions = new CommonOptions.DecisionOptionSet();
        var toLsl = new Option<bool>("--to-lsl") { Description = "Publish the stream and its markers as live LSL outlets at the recording's pace instead of decoding (a stand-in amplifier)." };
        var waitConsumers = new Option<double>("--wait") { Description = "With --to-lsl: seconds to wait for a consumer before playing, so it sees the recording from the start.", DefaultValueFactory = _ => 10 };
        var lslConfig = LslOptions.Config();
        var dashboard = DashboardOption.Create();

        var command = new Command("replay", """
            Replay a recording through the pipeline: channel selection, notch, band-pass, sliding windows, then the
            model (probabilities → decisions → commands) or, without a model, per-channel band power. With cue
            markers and a model, reports online accuracy per window and per trial.

            Examples:
              pipeline replay recordings/demo-mi.xdf --model models/dbconformer-demo.onnx --speed 4
              pipeline replay recordings/demo-mi.xdf --model models/dbconformer-demo.onnx --dashboard   (then open the printed URL)
              pipeline replay recordings/demo-mi.xdf --fast --out windows.jsonl
              pipeline replay S001R04.edf --fast --window 2 --hop 0.5 --band 8 30 --csv bandpower.csv
              pipeline replay recordings/demo-mi.xdf --to-lsl          (then, elsewhere: pipeline run --lsl type=EEG ...)
              pipeline replay words.wav --model models/ssl/kws-hconv.onnx --fast   (speech: VAD → SSL upstream → keyword head)
            """)
        { file, model, speed, fast, window, hop, band, notch, channels, stream, resample, chunk, outJsonl, csv, quiet, device, toLsl, waitConsumers, lslConfig, dashboard };
        decisions.AddTo(command);
        command.SetAction(parse => UserError.Run(() =>
        {
            if (parse.GetValue(fast) && parse.GetValue(speed) is not null)
                throw new PipelineException("--fast and --speed contradict each other; give one of them.");
            if (IsWav(parse.GetValue(file)!))
            {
                // Speech: the same path as 'pipeline listen --file', paced like a microphone unless --fast.
                if (parse.GetValue(model) is not { } speechModel)
                    throw new PipelineException($"'{parse.GetValue(file)}' is audio; give --model with a keyword model such as models/ssl/kws-hconv.onnx.");
                if (parse.GetValue(speed) is { } s && s != 1)
                    throw new PipelineException("A WAV file replays at its own pace (speed 1) or with --fast; --speed N is for EEG recordings.");
                if (parse.GetValue(toLsl)) throw new PipelineException("--to-lsl publishes EEG recordings; a WAV file is played into a (virtual) microphone instead.");
                return ListenVerb.Execute(new ListenVerb.ListenRequest
                {
                    ModelPath = speechModel,
                    WavPath = parse.GetValue(file),
                    Paced = !parse.GetValue(fast),
                    JsonLinesPath = parse.GetValue(outJsonl),
                    Compute = CommonOptions.ParseDevice(parse.GetValue(device)),
                    Dashboard = DashboardOption.Parse(parse, dashboard),
                });
            }
            if (parse.GetValue(toLsl))
            {
                if (parse.GetValue(fast)) throw new PipelineException("--to-lsl plays at the recording's pace (or --speed N); --fast cannot be used with it.");
                if (parse.GetValue(model) is not null) throw new PipelineException("--to-lsl only publishes the recording; decode it in another process with pipeline run --lsl ... --model ....");
                return PublishToLsl(parse.GetValue(file)!, new ReplayOptions { Speed = parse.GetValue(speed) ?? 1, ChunkFrames = parse.GetValue(chunk), Stream = parse.GetValue(stream) },
                    parse.GetValue(waitConsumers), LslOptions.Load(parse.GetValue(lslConfig)));
            }
            var request = new ReplayRequest
            {
                Path = parse.GetValue(file)!,
                Replay = new ReplayOptions
                {
                    Fast = parse.GetValue(fast),
                    Speed = parse.GetValue(speed) ?? 1,
                    ChunkFrames = parse.GetValue(chunk),
                    Stream = parse.GetValue(stream),
                },
                Decoding = new DecodingSettings
                {
                    ModelPath = parse.GetValue(model),
                    WindowSeconds = parse.GetValue(window),
                    HopSeconds = parse.GetValue(hop),
                    Band = CommonOptions.ParseBand(parse.GetValue(band)),
                    Notch = parse.GetValue(notch),
                    Channels = CommonOptions.ParseList(parse.GetValue(channels)),
                    ResampleTo = parse.GetValue(resample),
                    Runner = new() { Device = CommonOptions.ParseDevice(parse.GetValue(device)) },
                    Decisions = decisions.Parse(parse),
                },
                JsonLinesPath = parse.GetValue(outJsonl),
                CsvPath = parse.GetValue(csv),
                Quiet = parse.GetValue(quiet),
                Dashboard = DashboardOption.Parse(parse, dashboard),
            };
            return Execute(request);
        }));
        return command;
    }

    /// <summary>A WAV file (by its RIFF/WAVE header, or by its extension when it cannot be read).</summary>
    internal static bool IsWav(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            Span<byte> head = stackalloc byte[12];
            if (f.ReadAtLeast(head, 12, throwOnEndOfStream: false) == 12)
                return head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return path.EndsWith(".wav", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What to replay and where the results go.</summary>
    internal sealed record ReplayRequest
    {
        public required string Path { get; init; }
        public required ReplayOptions Replay { get; init; }
        public required DecodingSettings Decoding { get; init; }
        public string? JsonLinesPath { get; init; }
        public string? CsvPath { get; init; }
        public bool Quiet { get; init; }
        public DashboardAddress? Dashboard { get; init; }
    }

    /// <summary>Publishes a recording on LSL at its own pace until it ends (or Ctrl+C).</summary>
    private static int PublishToLsl(string path, ReplayOptions options, double wait, Pipeline.Lsl.LslConfig config)
    {
        using var recording = Recording.Open(path);
        var source = new ReplaySource(recording, options);
        using var publisher = new LslPublisher(source.Description, recording.Markers.Count > 0, options.ChunkFramesFor(source.Description.NominalRate), config);
        var console = AnsiConsole.Console;
        console.MarkupLine($"publishing '{Markup.Escape(publisher.SignalInfo.Name)}' ({publisher.SignalInfo.ChannelCount} channels at {publisher.SignalInfo.NominalSrate.ToString("G", Inv)} Hz, source id '{Markup.Escape(publisher.SignalInfo.SourceId)}')" +
            (publisher.MarkerInfo is { } m ? $" and '{Markup.Escape(m.Name)}' ({recording.Markers.Count} markers)" : "") + " on LSL");
        if (wait > 0 && !publisher.WaitForConsumers(wait))
            console.MarkupLine($"[yellow]no consumer connected within {wait.ToString("G", Inv)} s; playing anyway[/]");
        using var cancel = new CancellationTokenSource();
        using var done = new ManualResetEventSlim();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            using var sub = source.Subscribe(publisher.OnNext, e => { publisher.OnError(e); done.Set(); }, done.Set);
            try { done.Wait(cancel.Token); } catch (OperationCanceledException) { }
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (publisher.Error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        console.MarkupLine($"sent {publisher.SamplesSent} samples and {publisher.MarkersSent} markers");
        return UserError.CheckDamage(path, recording.Warnings);
    }

    /// <summary>Runs a replay to the end (or Ctrl+C) and prints its summary.</summary>
    internal static int Execute(ReplayRequest request)
    {
        var console = AnsiConsole.Console;
        using var recording = Recording.Open(request.Path);
        var source = new ReplaySource(recording, request.Replay);
        var stream = source.Stream;
        // The session keeps a reference to this list: sinks are added once the stream has been checked.
        var sinks = new List<IPipelineSink>();
        try
        {
            using var wired = new DecodingSession(stream.Description, request.Decoding, sinks, line => console.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
            var windowSeconds = wired.WindowSamples / wired.Rate;
            if (stream.FrameCount * wired.Rate / stream.Description.NominalRate < wired.WindowSamples)
                throw new PipelineException($"The window of {windowSeconds.ToString("G4", Inv)} s is longer than the stream '{stream.Description.Name}' ({(stream.FrameCount / stream.Description.NominalRate).ToString("F1", Inv)} s), so no window can be cut; choose a shorter --window.");
            sinks.Add(new ConsoleSink(new ConsoleSinkOptions(request.Quiet ? 0 : (request.Replay.Fast ? 2 : 4), ShowMarkers: !request.Quiet && !request.Replay.Fast)));
            if (request.JsonLinesPath is { } j) sinks.Add(new JsonLinesSink(j));
            if (request.CsvPath is { } c) sinks.Add(new CsvSink(c));
            var pace = request.Replay.Fast ? "as fast as possible" : request.Replay.Speed == 1 ? "at live pace" : $"at {request.Replay.Speed.ToString("G", Inv)}x";
            console.MarkupLine($"[bold]replay[/] {Markup.Escape(request.Path)} — stream '{Markup.Escape(stream.Description.Name)}', {wired.Channels.Count} channels at {wired.Rate.ToString("G", Inv)} Hz, {pace}");
            console.MarkupLine($"[grey]windows {windowSeconds.ToString("G4", Inv)} s every {request.Decoding.HopSeconds.ToString("G4", Inv)} s; " +
                $"{(wired.Band is { } b ? $"band-pass {b.Low.ToString("G", Inv)}-{b.High.ToString("G", Inv)} Hz" : "no band-pass")}" +
                $"{(wired.NotchHz > 0 ? $", notch {wired.NotchHz.ToString("G", Inv)} Hz" : "")}; " +
                $"{(wired.Runner is { } r ? $"model {Markup.Escape(System.IO.Path.GetFileName(r.ModelPath))} ({string.Join("/", r.Card.Classes.Select(Markup.Escape))}) on {r.Device}" : "band power per channel (no model)")}[/]");
            foreach (var w in recording.Warnings) console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
            using var page = request.Dashboard is { } address
                ? DashboardOption.Start(address, new SingleSessionDashboard($"replay {System.IO.Path.GetFileName(request.Path)}",
                    SessionMonitors.Attach(wired, request.Decoding.Session, sinks), $"{System.IO.Path.GetFileName(request.Path)} ('{stream.Description.Name}')",
                    stream.Description.NominalRate, () => wired))
                : null;

            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                wired.Run(source, cancel.Token);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
            return UserError.CheckDamage(request.Path, recording.Warnings);
        }
        finally
        {
            foreach (var s in sinks) s.Dispose();
        }
    }
}
