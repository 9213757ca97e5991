using System.CommandLine;
using System.Globalization;
using Pipeline.Core.Audio;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Host.Dashboard;
using Pipeline.Sinks.Console;
using Pipeline.Sinks.Files;
using Pipeline.Sources.Audio;
using Pipeline.Sources.Replay;
using Spectre.Console;

namespace Pipeline.Host.Verbs;

/// <summary>
/// <c>pipeline listen</c>: spoken commands from the microphone (or a WAV file) through VAD, an SSL upstream and an
/// interface+head model; and <c>pipeline audio devices</c>: the capture devices.
/// </summary>
internal static class ListenVerb
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Attach(RootCommand root)
    {
        root.Subcommands.Add(CreateListen());
        root.Subcommands.Add(CreateAudio());
    }

    private static Command CreateListen()
    {
        var model = new Option<string>("--model", "-m") { Description = "The interface+head ONNX model (e.g. models/ssl/kws-hconv.onnx); its card names the upstream beside it.", Required = true };
        var upstream = new Option<string?>("--upstream") { Description = "The SSL upstream ONNX model (default: the one the head's card names)." };
        var file = new Option<string?>("--file") { Description = "Read this WAV file (any rate; resampled to 16 kHz) instead of the microphone." };
        var paced = new Option<bool>("--paced") { Description = "With --file: play it in real time, as a microphone would." };
        var mic = new Option<string?>("--mic") { Description = "The microphone: a capture device from 'pipeline audio devices' (default: the system default). Until the next release '--device NAME' (any name but cpu, cuda, auto) and '-d' still mean --mic." };
        var server = new Option<string?>("--server") { Description = "The PulseAudio server (default: $PULSE_SERVER or the user's)." };
        var vad = new Option<string?>("--vad") { Description = "The Silero VAD model (default: models/silero-vad/silero_vad.onnx)." };
        var vadThreshold = new Option<float>("--vad-threshold") { Description = "Speech probability that starts a segment.", DefaultValueFactory = _ => 0.5f };
        var threshold = new Option<double>("--threshold") { Description = "Class probability needed for a command.", DefaultValueFactory = _ => 0.5 };
        var refractory = new Option<double>("--refractory") { Description = "Seconds after a command in which no other is emitted.", DefaultValueFactory = _ => 0.3 };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds of live audio (default: until Ctrl+C, SIGTERM or SIGHUP)." };
        var jsonl = new Option<string?>("--jsonl") { Description = "Write every classified segment (prediction), command and the summary as JSON Lines to this file (the schema of every verb: docs/output-formats.md)." };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads for the models.", DefaultValueFactory = _ => 1 };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only commands and the summary." };
        var dashboard = DashboardOption.Create();
        var compute = CommonOptions.Device();
        var command = new Command("listen", """
            Spoken commands: microphone (PulseAudio/PipeWire on Linux, wave-in on Windows) or a WAV file → 16 kHz →
            Silero VAD → the last second of each speech segment → SSL upstream → interface + keyword head → label →
            decision (threshold, refractory) → one line per segment, and a latency summary (end of speech → label).

            Examples:
              pipeline listen --model models/ssl/kws-hconv.onnx
              pipeline listen --model models/ssl/kws-ws.onnx --mic vmic --duration 30
              pipeline listen --model models/ssl/kws-hconv.onnx --file words.wav
              pipeline listen --model models/ssl/kws-hconv.onnx --quiet           (commands only, then the summary)
              pipeline listen --model models/ssl/kws-hconv.onnx --dashboard      (a live page: voice activity, segments, labels)
              pipeline replay words.wav --model models/ssl/kws-ws.onnx --fast        (the same, as a replay)
            """) { model, upstream, file, paced, mic, server, vad, vadThreshold, threshold, refractory, duration, jsonl, threads, quiet, compute, dashboard };
        command.SetAction(parse => UserError.Run(() => Execute(new ListenRequest
        {
            ModelPath = parse.GetValue(model)!,
            UpstreamPath = parse.GetValue(upstream),
            WavPath = parse.GetValue(file),
            Paced = parse.GetValue(paced),
            Device = parse.GetValue(mic),
            Server = parse.GetValue(server),
            VadPath = parse.GetValue(vad),
            VadThreshold = parse.GetValue(vadThreshold),
            Threshold = parse.GetValue(threshold),
            Refractory = parse.GetValue(refractory),
            Duration = parse.GetValue(duration),
            JsonLinesPath = parse.GetValue(jsonl),
            Threads = parse.GetValue(threads),
            Quiet = parse.GetValue(quiet),
            Compute = CommonOptions.ParseDevice(parse.GetValue(compute)),
            Dashboard = DashboardOption.Parse(parse, dashboard),
        })));
        return command;
    }

    /// <summary>What <c>pipeline listen</c> (and <c>pipeline replay x.wav</c>) runs.</summary>
    internal sealed record ListenRequest
    {
        public required string ModelPath { get; init; }
        public string? UpstreamPath { get; init; }
        public string? WavPath { get; init; }
        public bool Paced { get; init; }
        public string? Device { get; init; }
        public string? Server { get; init; }
        public string? VadPath { get; init; }
        public float VadThreshold { get; init; } = 0.5f;
        public double Threshold { get; init; } = 0.5;
        public double Refractory { get; init; } = 0.3;
        public double? Duration { get; init; }
        public string? JsonLinesPath { get; init; }
        public string? CsvPath { get; init; }
        public string Session { get; init; } = "listen";
        public int Threads { get; init; } = 1;
        public bool Quiet { get; init; }
        public ExecutionDevice Compute { get; init; } = ExecutionDevice.Cpu;
        public DashboardAddress? Dashboard { get; init; }
    }

    /// <summary>Loads the models and the VAD, opens the microphone or the file, runs the speech session through the batching runner.</summary>
    internal static int Execute(ListenRequest request)
    {
        var vadPath = request.VadPath ?? SileroVad.FindDefault()
            ?? throw new PipelineException("The Silero VAD model was not found under models/silero-vad; pass --vad with the path of silero_vad.onnx.");
        var console = AnsiConsole.Console;
        var kws = SslKeywordModel.Load(request.ModelPath, request.UpstreamPath,
            new ModelRunnerOptions { IntraOpThreads = Math.Max(1, request.Threads), Device = request.Compute, BatchSizes = [1, 2, 4, 8] },
            line => console.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
        // The upstream and the head run in the batching runner that serves every audio session of this model.
        using var runner = BatchingModelRunner.Start(kws, new BatchingOptions());
        using var vad = SileroVad.Load(vadPath);
        console.MarkupLine($"[grey]model {Markup.Escape(kws.HeadPath)} ({Markup.Escape(kws.HeadCard.Architecture)}), upstream {Markup.Escape(kws.UpstreamPath)} ({kws.Layers} hidden states x {kws.Dim})[/]");
        using var source = OpenSource(request, console);
        var session = DecodingSession.CreateSpeech(source.Description, new AudioSessionOptions
        {
            Session = request.Session,
            Vad = new VadOptions { Threshold = request.VadThreshold },
            Decision = new AudioSessionOptions().Decision with { Threshold = request.Threshold, RefractorySeconds = request.Refractory },
            Live = request.WavPath is null || request.Paced,
        }, vad, runner);
        var sinks = new List<IPipelineSink> { new SpeechConsoleSink(console, commandsOnly: request.Quiet) };
        try
        {
            if (request.JsonLinesPath is { } j) sinks.Add(new JsonLinesSink(j));
            if (request.CsvPath is { } c) sinks.Add(new CsvSink(c));
            using var page = request.Dashboard is { } address ? StartDashboard(address, session, sinks, request) : null;
            using var cancel = new ConsoleCancellation(request.WavPath is null ? request.Duration : null);
            session.Run(source.Events, sinks, cancel.Token);
            return 0;
        }
        finally
        {
            foreach (var s in sinks) s.Dispose();
        }
    }

    /// <summary>The speech view (voice activity, segments with their labels, latency): its monitor joins the sinks last.</summary>
    private static DashboardServer StartDashboard(DashboardAddress address, DecodingSession session, List<IPipelineSink> sinks, ListenRequest request)
    {
        var live = SessionMonitors.Attach(session);
        sinks.Add(live.Monitor);
        var source = request.WavPath is { } wav ? Path.GetFileName(wav) : "microphone";
        return DashboardOption.Start(address, new SingleSessionDashboard($"{request.Session} {source}", live, source));
    }

    /// <summary>The microphone, or the WAV file replayed (paced like a microphone, or as fast as possible).</summary>
    private static AudioSource OpenSource(ListenRequest request, IAnsiConsole console)
    {
        if (request.WavPath is { } wav)
        {
            var recording = WavRecording.Open(wav);
            var audio = recording.Audio;
            console.MarkupLine($"[grey]{Markup.Escape(wav)}: {audio.Seconds.ToString("F2", Inv)} s, {audio.OriginalRate} Hz x {audio.OriginalChannels} → 16 kHz mono[/]");
            return new AudioSource(audio.Description, new ReplaySource(recording, new ReplayOptions { Fast = !request.Paced }), recording);
        }
        var mic = Microphone.Open(new MicrophoneOptions { Device = request.Device, Server = request.Server });
        console.MarkupLine($"[grey]listening on '{Markup.Escape(mic.DeviceName)}'{(request.Duration is { } d ? $" for {d.ToString(Inv)} s" : " (Ctrl+C stops)")}[/]");
        return new AudioSource(mic.Description, mic, mic);
    }

    private sealed record AudioSource(StreamDescription Description, IObservable<SourceEvent> Events, IDisposable Owner) : IDisposable
    {
        public void Dispose() => Owner.Dispose();
    }

    private static Command CreateAudio()
    {
        var server = new Option<string?>("--server") { Description = "The PulseAudio server (default: $PULSE_SERVER or the user's)." };
        var devices = new Command("devices", """
            List the capture devices (PulseAudio/PipeWire sources on Linux, wave-in devices on Windows); pass a name to
            'pipeline listen --mic'.
            """) { server };
        devices.SetAction(parse => UserError.Run(() =>
        {
            var list = Microphone.ListDevices(parse.GetValue(server));
            var table = new Table().AddColumns("name", "description", "default", "kind");
            foreach (var d in list)
                table.AddRow(Markup.Escape(d.Name), Markup.Escape(d.Description), d.IsDefault ? "*" : "", d.IsMonitor ? "monitor of a sink" : "input");
            AnsiConsole.Console.Write(table);
            return 0;
        }));
        BatchStop.Wrap(devices, "audio devices");
        var audio = new Command("audio", "Audio devices.") { devices };
        return audio;
    }
}
