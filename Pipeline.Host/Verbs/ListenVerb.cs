using System.CommandLine;
using System.Globalization;
using System.Reactive.Linq;
using System.Text.Json;
using Pipeline.Core.Audio;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Host.Dashboard;
using Pipeline.Lsl;
using Pipeline.Sources.Audio;
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
        var device = new Option<string?>("--device", "-d") { Description = "The capture device (see 'pipeline audio devices'; default: the system default)." };
        var server = new Option<string?>("--server") { Description = "The PulseAudio server (default: $PULSE_SERVER or the user's)." };
        var vad = new Option<string?>("--vad") { Description = "The Silero VAD model (default: models/silero-vad/silero_vad.onnx)." };
        var vadThreshold = new Option<float>("--vad-threshold") { Description = "Speech probability that starts a segment.", DefaultValueFactory = _ => 0.5f };
        var threshold = new Option<double>("--threshold") { Description = "Class probability needed for a command.", DefaultValueFactory = _ => 0.5 };
        var refractory = new Option<double>("--refractory") { Description = "Seconds after a command in which no other is emitted.", DefaultValueFactory = _ => 0.3 };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds of live audio (default: at Ctrl+C)." };
        var jsonl = new Option<string?>("--jsonl") { Description = "Write every classified segment as one JSON line to this file." };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads for the models.", DefaultValueFactory = _ => 1 };
        var dashboard = DashboardOption.Create();
        var compute = new Option<string>("--compute") { Description = "Where the models run: cpu, cuda or auto (cuda when it works, else cpu; says which).", DefaultValueFactory = _ => "cpu" };
        var command = new Command("listen", """
            Spoken commands: microphone (PulseAudio/PipeWire on Linux, wave-in on Windows) or a WAV file → 16 kHz →
            Silero VAD → the last second of each speech segment → SSL upstream → interface + keyword head → label →
            decision (threshold, refractory) → one line per segment, and a latency summary (end of speech → label).

            Examples:
              pipeline listen --model models/ssl/kws-hconv.onnx
              pipeline listen --model models/ssl/kws-ws.onnx --device vmic --duration 30
              pipeline listen --model models/ssl/kws-hconv.onnx --file words.wav
              pipeline listen --model models/ssl/kws-hconv.onnx --dashboard      (a live page: voice activity, segments, labels)
              pipeline replay words.wav --model models/ssl/kws-ws.onnx --fast        (the same, as a replay)
            """) { model, upstream, file, paced, device, server, vad, vadThreshold, threshold, refractory, duration, jsonl, threads, compute, dashboard };
        command.SetAction(parse => UserError.Run(() => Execute(new ListenRequest
        {
            ModelPath = parse.GetValue(model)!,
            UpstreamPath = parse.GetValue(upstream),
            WavPath = parse.GetValue(file),
            Paced = parse.GetValue(paced),
            Device = parse.GetValue(device),
            Server = parse.GetValue(server),
            VadPath = parse.GetValue(vad),
            VadThreshold = parse.GetValue(vadThreshold),
            Threshold = parse.GetValue(threshold),
            Refractory = parse.GetValue(refractory),
            Duration = parse.GetValue(duration),
            JsonLinesPath = parse.GetValue(jsonl),
            Threads = parse.GetValue(threads),
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
        public int Threads { get; init; } = 1;
        public ExecutionDevice Compute { get; init; } = ExecutionDevice.Cpu;
        public DashboardAddress? Dashboard { get; init; }
    }

    /// <summary>Loads the models and the VAD, runs the audio session through the batching runner, prints the summary.</summary>
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
        using var silero = SileroVad.Load(vadPath);
        var live = request.WavPath is null || request.Paced;
        var options = new AudioSessionOptions
        {
            Vad = new VadOptions { Threshold = request.VadThreshold },
            Decision = new AudioSessionOptions().Decision with { Threshold = request.Threshold, RefractorySeconds = request.Refractory },
            Live = live,
        };
        using var session = new AudioKeywordSession(runner, silero, options, LslClock.LocalClock);
        using var page = request.Dashboard is { } address ? StartDashboard(address, session, kws, request.WavPath) : null;
        return Listen(session, kws, request.WavPath, request.Paced, request.Device, request.Server, request.Duration, request.JsonLinesPath);
    }

    /// <summary>The speech view: VAD probability per frame, segments with their labels, latency; the rings are fed by the session's events.</summary>
    private static DashboardServer StartDashboard(DashboardAddress address, AudioKeywordSession session, SslKeywordModel kws, string? wav)
    {
        var monitor = new Pipeline.Core.Monitoring.SessionMonitor("listen", new Pipeline.Core.Monitoring.SessionMonitorLayout { Speech = true, Values = kws.Classes });
        session.VoiceActivity += monitor.OnVad;
        session.Detected += monitor.OnSpeech;
        var source = wav is null ? "microphone" : Path.GetFileName(wav);
        var live = new LiveSession(monitor, "speech", Path.GetFileName(kws.HeadPath), $"VAD → last second → {Path.GetFileName(kws.UpstreamPath)} → {kws.HeadCard.Architecture}");
        return DashboardOption.Start(address, new SingleSessionDashboard($"listen {source}", live, source, SpeechAudio.Rate, () => null,
            row => row with { Windows = session.Windows, Drops = session.Dropped }));
    }

    private static int Listen(AudioKeywordSession session, SslKeywordModel kws, string? wav, bool paced, string? device, string? server, double? duration, string? jsonlPath)
    {
        var console = AnsiConsole.Console;
        using var jsonl = jsonlPath is null ? null : new StreamWriter(jsonlPath);
        var latencies = new List<double>();
        session.Detected += d =>
        {
            lock (latencies) latencies.Add(d.LatencySeconds);
            var what = d.Command is null ? $"[grey]{Markup.Escape(d.Label)}[/]" : $"[bold green]{Markup.Escape(d.Command)}[/]";
            console.MarkupLine($"{d.Segment.Start.ToString("F2", Inv),9} s  {what}  p={d.Confidence.ToString("F2", Inv)}  speech {d.Segment.Seconds.ToString("F2", Inv)} s  latency {(d.LatencySeconds * 1000).ToString("F0", Inv)} ms (inference {(d.InferenceSeconds * 1000).ToString("F0", Inv)} ms)");
            jsonl?.WriteLine(JsonSerializer.Serialize(new
            {
                label = d.Label, confidence = d.Confidence, command = d.Command, start = d.Segment.Start, end = d.Segment.End,
                label_time = d.LabelTime, latency_ms = d.LatencySeconds * 1000, inference_ms = d.InferenceSeconds * 1000,
                probabilities = kws.Classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => d.Probabilities[x.i]),
            }));
            jsonl?.Flush();
        };
        console.MarkupLine($"[grey]model {Markup.Escape(kws.HeadPath)} ({Markup.Escape(kws.HeadCard.Architecture)}), upstream {Markup.Escape(kws.UpstreamPath)} ({kws.Layers} hidden states x {kws.Dim})[/]");
        if (wav is not null)
        {
            var source = WavFileSource.Open(wav);
            console.MarkupLine($"[grey]{Markup.Escape(wav)}: {source.Seconds.ToString("F2", Inv)} s, {source.OriginalRate} Hz x {source.OriginalChannels} → 16 kHz mono[/]");
            // As fast as possible, times are seconds into the file; paced, the file stands in for a microphone (LSL clock).
            source.Chunks(SpeechAudio.ChunkSamples, paced, startTime: paced ? double.NaN : 0).Do(session.Push).LastOrDefaultAsync().Wait();
        }
        else
        {
            using var mic = Microphone.Open(new MicrophoneOptions { Device = device, Server = server });
            console.MarkupLine($"[grey]listening on '{Markup.Escape(mic.DeviceName)}'{(duration is { } d ? $" for {d.ToString(Inv)} s" : " (Ctrl+C stops)")}[/]");
            using var done = new ManualResetEventSlim();
            Exception? failure = null;
            using var sub = mic.Chunks.Subscribe(session.Push, e => { failure = e; done.Set(); }, done.Set);
            ConsoleCancelEventHandler stop = (_, e) => { e.Cancel = true; done.Set(); };
            Console.CancelKeyPress += stop;
            mic.Start();
            if (duration is { } seconds) done.Wait(TimeSpan.FromSeconds(seconds));
            else done.Wait();
            Console.CancelKeyPress -= stop;
            if (failure is not null) throw failure;
        }
        session.Complete();
        if (session.Dropped > 0) console.MarkupLine($"[yellow]{session.Dropped} segment(s) dropped: the model could not keep up[/]");
        lock (latencies) latencies.Sort();
        if (latencies.Count > 0)
            console.MarkupLine($"{latencies.Count} segment(s); latency end of speech → label: p50 {(Percentile(latencies, 0.5) * 1000).ToString("F0", Inv)} ms, p99 {(Percentile(latencies, 0.99) * 1000).ToString("F0", Inv)} ms, max {(latencies[^1] * 1000).ToString("F0", Inv)} ms");
        else
            console.MarkupLine("no speech was detected.");
        return 0;
    }

    private static double Percentile(List<double> sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static Command CreateAudio()
    {
        var server = new Option<string?>("--server") { Description = "The PulseAudio server (default: $PULSE_SERVER or the user's)." };
        var devices = new Command("devices", """
            List the capture devices (PulseAudio/PipeWire sources on Linux, wave-in devices on Windows); pass a name to
            'pipeline listen --device'.
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
        var audio = new Command("audio", "Audio devices.") { devices };
        return audio;
    }
}
