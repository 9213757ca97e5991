using System.CommandLine;
using System.Globalization;
using System.Reactive;
using System.Reactive.Linq;
using Pipeline.Core.Inference;
using Pipeline.Core.Operators;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Host.Sessions;
using Pipeline.Host.Dashboard;
using Pipeline.Sinks.Console;
using Pipeline.Sinks.Files;
using Pipeline.Sinks.Lsl;
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
        var outJsonl = CommonOptions.JsonLines("Write every prediction, command, marker and gap as JSON Lines to this file.");
        var csv = new Option<string?>("--csv") { Description = "Write predictions and commands as CSV to this file." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only commands and the summary." };
        var device = CommonOptions.Device();
        var decisions = new CommonOptions.DecisionOptionSet();
        var toLsl = new Option<bool>("--to-lsl") { Description = "Publish the stream and its markers as live LSL outlets at the recording's pace instead of decoding (a stand-in amplifier). Timestamps start now; at speed 1 none is later than the clock when it is sent; with --speed N they keep the recording's spacing and so run ahead of the clock." };
        var waitConsumers = new Option<double>("--wait") { Description = "With --to-lsl: seconds to wait for a consumer before playing, so it sees the recording from the start.", DefaultValueFactory = _ => 10 };
        var lslConfig = LslOptions.Config();
        var cues = new CueOptionSet();
        var calibration = CommonOptions.AlignCalibration();
        var dashboard = DashboardOption.Create();

        var command = new Command("replay", """
            Replay a recording through the pipeline: channel selection, notch, band-pass, sliding windows, then the
            model (probabilities → decisions → commands) or, without a model, per-channel band power. With cue
            markers and a model, reports online accuracy: per trial (each cue's epoch, cut online from the same
            preprocessed stream as `pipeline epochs` cuts it, aligned and classified), per trial from the mean of its
            sliding windows, and per window. A card with online alignment adapts to the recording as it plays;
            --align-calibration seeds it from another recording of the same person.

            Examples:
              pipeline replay recordings/demo-mi.xdf --model models/dbconformer-demo.onnx --speed 4
              pipeline replay recordings/demo-mi.xdf --model models/dbconformer-demo.onnx --dashboard   (then open the printed URL)
              pipeline replay recordings/demo-mi.xdf --fast --jsonl windows.jsonl
              pipeline replay S001R04.edf --fast --window 2 --hop 0.5 --band 8 30 --csv bandpower.csv
              pipeline replay recordings/demo-mi.xdf --to-lsl          (then, elsewhere: pipeline run --lsl type=EEG ...)
              pipeline replay words.wav --model models/ssl/kws-hconv.onnx --fast   (speech: VAD → SSL upstream → keyword head)
              pipeline replay S002R12.edf --model models/dbconformer-eegmmidb-lr.onnx --markers T1,T2 --classes left,right --fast
              pipeline replay S002R12.edf --model models/dbconformer-eegmmidb-lr.onnx --align-calibration S002R04.edf --fast --jsonl trials.jsonl
              pipeline replay words.wav --model models/ssl/kws-hconv.onnx --dashboard   (the speech view: voice activity, segments, labels)
            """)
        { file, model, speed, fast, window, hop, band, notch, channels, stream, resample, chunk, outJsonl, csv, quiet, device, toLsl, waitConsumers, lslConfig, dashboard, calibration };
        decisions.AddTo(command);
        cues.AddTo(command);
        command.SetAction(parse => UserError.Run(() =>
        {
            if (parse.GetValue(fast) && parse.GetValue(speed) is not null)
                throw new PipelineException("--fast and --speed contradict each other; give one of them.");
            var pageAddress = DashboardOption.Parse(parse, dashboard); // a bad address is reported before anything opens
            if (RecordingFormats.IsWav(parse.GetValue(file)!))
            {
                // Speech: the same path as 'pipeline listen --file', paced like a microphone unless --fast.
                if (parse.GetValue(model) is not { } speechModel)
                    throw new PipelineException($"'{parse.GetValue(file)}' is audio; give --model with a keyword model such as models/ssl/kws-hconv.onnx.");
                if (parse.GetValue(speed) is { } s && s != 1)
                    throw new PipelineException("A WAV file replays at its own pace (speed 1) or with --fast; --speed N is for EEG recordings.");
                if (parse.GetValue(toLsl)) throw new PipelineException("--to-lsl publishes EEG recordings; a WAV file is played into a (virtual) microphone instead.");
                if (cues.Parse(parse) is not null || parse.GetValue(calibration) is not null)
                    throw new PipelineException("--markers/--marker/--classes and --align-calibration are for EEG models (cued trials, online alignment); a WAV file has neither.");
                // The speech path cuts its own windows (one per voiced segment): EEG-only options are refused, not ignored.
                Option[] eegOnly = [window, hop, band, notch, channels, stream, resample, chunk, decisions.Smooth, decisions.Vote, decisions.Rest];
                if (eegOnly.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } refused)
                    throw new PipelineException($"{refused.Name} does not apply to a WAV file (the speech path cuts one window per voiced segment); leave it out. A WAV replay takes --model, --fast, --jsonl, --csv, --threshold, --refractory, --quiet and --device.");
                var speech = new ListenVerb.ListenRequest { ModelPath = speechModel };
                return ListenVerb.Execute(new ListenVerb.ListenRequest
                {
                    Threshold = parse.GetResult(decisions.Threshold) is { Implicit: false } ? parse.GetValue(decisions.Threshold) : speech.Threshold,
                    Refractory = parse.GetResult(decisions.Refractory) is { Implicit: false } ? parse.GetValue(decisions.Refractory) : speech.Refractory,
                    ModelPath = speechModel,
                    WavPath = parse.GetValue(file),
                    Paced = !parse.GetValue(fast),
                    JsonLinesPath = parse.GetValue(outJsonl),
                    CsvPath = parse.GetValue(csv),
                    Quiet = parse.GetValue(quiet),
                    Session = "replay",
                    Compute = CommonOptions.ParseDevice(parse.GetValue(device)),
                    Dashboard = pageAddress,
                });
            }
            if (parse.GetValue(toLsl))
            {
                if (parse.GetValue(fast)) throw new PipelineException("--to-lsl plays at the recording's pace (or --speed N); --fast cannot be used with it.");
                if (parse.GetValue(model) is not null) throw new PipelineException("--to-lsl only publishes the recording; decode it in another process with pipeline run --lsl ... --model ....");
                if (pageAddress is not null) throw new PipelineException("--to-lsl only publishes the recording; watch it live where it is decoded (pipeline run --lsl ... --dashboard).");
                return PublishToLsl(parse.GetValue(file)!, new ReplayOptions { Speed = parse.GetValue(speed) ?? 1, ChunkFrames = parse.GetValue(chunk), Stream = parse.GetValue(stream) },
                    parse.GetValue(waitConsumers), LslOptions.Load(parse.GetValue(lslConfig)));
            }
            return Execute(new ReplayRequest
            {
                Path = parse.GetValue(file)!,
                Replay = new ReplayOptions
                {
                    Fast = parse.GetValue(fast),
                    Speed = parse.GetValue(speed) ?? 1,
                    ChunkFrames = parse.GetValue(chunk),
                    Stream = parse.GetValue(stream),
                },
                ModelPath = parse.GetValue(model),
                Runner = new() { Device = CommonOptions.ParseDevice(parse.GetValue(device)) },
                Decoding = new DecodingOptions
                {
                    Session = "replay",
                    WindowSeconds = parse.GetValue(window),
                    HopSeconds = parse.GetValue(hop),
                    Band = CommonOptions.ParseBand(parse.GetValue(band)),
                    Notch = parse.GetValue(notch),
                    Channels = CommonOptions.ParseList(parse.GetValue(channels)),
                    ResampleTo = parse.GetValue(resample),
                    Decisions = decisions.Parse(parse),
                    Cues = cues.Parse(parse),
                },
                CalibrationPath = parse.GetValue(calibration),
                JsonLinesPath = parse.GetValue(outJsonl),
                CsvPath = parse.GetValue(csv),
                Quiet = parse.GetValue(quiet),
                Dashboard = pageAddress,
            });
        }));
        return command;
    }

    /// <summary>What to replay, through which model, and where the results go.</summary>
    internal sealed record ReplayRequest
    {
        public required string Path { get; init; }
        public required ReplayOptions Replay { get; init; }
        public required DecodingOptions Decoding { get; init; }
        public string? ModelPath { get; init; }
        public ModelRunnerOptions Runner { get; init; } = new();
        public string? CalibrationPath { get; init; }
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
        using var publisher = new LslSourcePublisher(source.Description, recording.Markers.Count > 0, options.ChunkFramesFor(source.Description), config, options.Speed);
        var console = AnsiConsole.Console;
        console.MarkupLine($"publishing '{Markup.Escape(publisher.SignalInfo.Name)}' ({publisher.SignalInfo.ChannelCount} channels at {publisher.SignalInfo.NominalSrate.ToString("G", Inv)} Hz, source id '{Markup.Escape(publisher.SignalInfo.SourceId)}')" +
            (publisher.MarkerInfo is { } m ? $" and '{Markup.Escape(m.Name)}' ({recording.Markers.Count} markers)" : "") + " on LSL");
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        if (wait > 0 && !LiveStatus.Run(() => string.Create(Inv, $"waiting for a consumer: {waiting.Elapsed.TotalSeconds:F0} of {wait:G} s"), () => publisher.WaitForConsumers(wait)))
            console.MarkupLine($"[yellow]no consumer connected within {wait.ToString("G", Inv)} s; playing anyway[/]");
        using var cancel = new ConsoleCancellation();
        // Played to its end (or Ctrl+C): the publisher observes the replay; Wait returns when it completes. On a
        // terminal a status line counts what was sent; redirected output gets only the summary.
        var playing = System.Diagnostics.Stopwatch.StartNew();
        LiveStatus.Run(() => string.Create(Inv, $"playing {playing.Elapsed:mm\\:ss}: sent {publisher.SamplesSent} samples and {publisher.MarkersSent} markers"),
            () => source.TakeUntilCancelled(cancel.Token).Do(publisher).Select(static _ => Unit.Default).DefaultIfEmpty().Wait());
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
        if (request.ModelPath is null && (request.Decoding.Cues is not null || request.CalibrationPath is not null))
            throw new PipelineException("--markers/--marker/--classes and --align-calibration score and align a model's trials; give --model.");
        if (request.Decoding.Cues is { } named) CueOptionSet.CheckPresent(named.Select(c => c.Marker).ToList(), recording.CueMarkers, request.Path);
        using var model = request.ModelPath is { } path ? ModelRunner.Load(path, request.Runner, line => console.MarkupLine($"[grey]{Markup.Escape(line)}[/]")) : null;
        var session = DecodingSession.Create(stream.Description, request.Decoding, model);
        var calibrated = request.CalibrationPath is { } calibrationPath ? CalibrationRecording.Seed(session, calibrationPath) : null;
        var windowSeconds = session.WindowSamples / session.Rate;
        if (stream.FrameCount * session.Rate / stream.Description.NominalRate < session.WindowSamples)
            throw new PipelineException($"The window of {windowSeconds.ToString("G4", Inv)} s is longer than the stream '{stream.Description.Name}' ({(stream.FrameCount / stream.Description.NominalRate).ToString("F1", Inv)} s), so no window can be cut; choose a shorter --window.");
        var sinks = new List<IPipelineSink>();
        try
        {
            sinks.Add(new ConsoleSink(new ConsoleSinkOptions(request.Quiet ? 0 : (request.Replay.Fast ? 2 : 4), ShowMarkers: !request.Quiet && !request.Replay.Fast)));
            if (request.JsonLinesPath is { } j) sinks.Add(new JsonLinesSink(j));
            if (request.CsvPath is { } c) sinks.Add(new CsvSink(c));
            var pace = request.Replay.Fast ? "as fast as possible" : request.Replay.Speed == 1 ? "at live pace" : $"at {request.Replay.Speed.ToString("G", Inv)}x";
            console.MarkupLine($"[bold]replay[/] {Markup.Escape(request.Path)} — stream '{Markup.Escape(stream.Description.Name)}', {session.Channels.Count} channels at {session.Rate.ToString("G", Inv)} Hz, {pace}");
            console.MarkupLine($"[grey]windows {windowSeconds.ToString("G4", Inv)} s every {request.Decoding.HopSeconds.ToString("G4", Inv)} s; " +
                $"{(session.Band is { } b ? $"band-pass {b.Low.ToString("G", Inv)}-{b.High.ToString("G", Inv)} Hz" : "no band-pass")}" +
                $"{(session.NotchHz > 0 ? $", notch {session.NotchHz.ToString("G", Inv)} Hz" : "")}; " +
                $"{(model is { } r ? $"model {Markup.Escape(System.IO.Path.GetFileName(r.ModelPath))} ({string.Join("/", r.Card.Classes.Select(Markup.Escape))}) on {r.Device}" : "band power per channel (no model)")}[/]");
            foreach (var w in recording.Warnings) console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
            CalibrationRecording.Describe(console, session, calibrated);
            if (session.Accuracy is { } accuracy)
            {
                var cued = recording.CueMarkers.Count(m => accuracy.ClassOf(m.Text) >= 0);
                if (cued > 0)
                    console.MarkupLine($"[grey]{cued} cues ({Markup.Escape(string.Join(", ", accuracy.CueMarkers.Order(StringComparer.Ordinal)))}); each trial's epoch {accuracy.TMin.ToString("G4", Inv)}..{session.TrialEpochs!.TMax.ToString("G4", Inv)} s after its cue is classified for the trial accuracy[/]");
                else if (recording.CueMarkers.Count > 0)
                    console.MarkupLine($"[yellow]note:[/] none of the model's cue markers ({Markup.Escape(string.Join(", ", accuracy.CueMarkers.Order(StringComparer.Ordinal).Select(m => $"'{m}'")))}) occurs in this recording, so there is no accuracy; map its markers with --markers ... --classes ... (its cue markers: {Markup.Escape(string.Join(", ", recording.CueMarkers.Select(m => m.Text).Distinct().Order(StringComparer.Ordinal).Take(10).Select(m => $"'{m}'")))})");
            }
            using var page = request.Dashboard is { } address ? StartDashboard(address, session, sinks, request.Path, stream.Description) : null;

            using var cancel = new ConsoleCancellation();
            session.Run(source, sinks, cancel.Token);
            return UserError.CheckDamage(request.Path, recording.Warnings);
        }
        finally
        {
            foreach (var s in sinks) s.Dispose();
        }
    }

    /// <summary>The live page of the replay: its monitor joins the sinks last, so its latency includes theirs.</summary>
    private static DashboardServer StartDashboard(DashboardAddress address, DecodingSession session, List<IPipelineSink> sinks, string path, StreamDescription stream)
    {
        var live = SessionMonitors.Attach(session);
        sinks.Add(live.Monitor);
        var file = System.IO.Path.GetFileName(path);
        return DashboardOption.Start(address, new SingleSessionDashboard($"replay {file}", live, $"{file} ('{stream.Name}')"));
    }
}
