using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Text.Json;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Features;
using Pipeline.Core.Inference;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;
using Pipeline.Host.Bench;
using Pipeline.Host.Cli;
using Pipeline.Core.Sessions;
using Pipeline.Sources.Replay;
using Spectre.Console;

namespace Pipeline.Host.Verbs;

/// <summary><c>pipeline bench</c>: measured throughput and allocations of the pipeline's stages.</summary>
internal static class BenchVerb
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: measure, do not guess. Each reports medians and p99 over repeated runs, side by side.");
        bench.Subcommands.Add(CreateReplay());
        bench.Subcommands.Add(CreateInference());
        bench.Subcommands.Add(CreateLatency());
        bench.Subcommands.Add(CreateMicro());
        bench.Subcommands.Add(CreateLoopback());
        return bench;
    }

    private static Command CreateLoopback()
    {
        var model = new Option<string?>("--model", "-m") { Description = "The ONNX model (default: the demo model)." };
        var seconds = new Option<double>("--seconds") { Description = "How long the amplifier plays.", DefaultValueFactory = _ => 30 };
        var device = CommonOptions.Device();
        var config = LslOptions.Config();
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var command = new Command("loopback", """
            End-to-end latency over LSL, as on a real setup: an LSL outlet plays a simulated amplifier, a live
            session decodes it and sends every decision out as an LSL marker, and an inlet receives them. Reports the
            distribution of (command received − newest sample pushed), both on the LSL clock. Loopback only by default;
            with --lsl-config the streams use that configuration.

            Examples:
              pipeline bench loopback
              pipeline bench loopback --seconds 120 --json loopback.json
            """) { model, seconds, device, config, json };
        command.SetAction(parse => UserError.Run(() =>
        {
            var cfg = parse.GetValue(config) is { } path ? LslOptions.Load(path) : LslLoopback.Config();
            var modelPath = parse.GetValue(model) ?? DemoVerb.Locate(DemoVerb.DemoModel) ?? throw new PipelineException($"The demo model {DemoVerb.DemoModel} was not found; give --model.");
            var r = CommandLoopbackBench.Run(modelPath, parse.GetValue(seconds), cfg, new ModelRunnerOptions { Device = CommonOptions.ParseDevice(parse.GetValue(device)) },
                line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
            var table = new Table().AddColumns("measure", "value");
            table.AddRow("amplifier", $"{r.SamplesPushed} samples in {r.Seconds.ToString("G", Inv)} s");
            table.AddRow("commands received", r.Commands.ToString(Inv));
            table.AddRow("command received − newest sample pushed: min / p50 / p95 / p99 / max (ms)",
                $"{r.MinMs.ToString("F2", Inv)} / {r.P50Ms.ToString("F2", Inv)} / {r.P95Ms.ToString("F2", Inv)} / {r.P99Ms.ToString("F2", Inv)} / {r.MaxMs.ToString("F2", Inv)}");
            table.AddRow("command received − newest sample's own time stamp (adds the amplifier's 40 ms chunking): p50 / p99 (ms)", $"{r.SampledP50Ms.ToString("F2", Inv)} / {r.SampledP99Ms.ToString("F2", Inv)}");
            table.AddRow("gaps in the received EEG", r.Gaps.ToString(Inv));
            AnsiConsole.MarkupLine($"[bold]bench loopback[/] {Markup.Escape(modelPath)}");
            AnsiConsole.Write(table);
            if (parse.GetValue(json) is { } j) File.WriteAllText(j, JsonSerializer.Serialize(r, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }));
        return command;
    }

    private static Command CreateMicro()
    {
        var filter = new Option<string>("--filter") { Description = "Benchmarks to run (BenchmarkDotNet glob).", DefaultValueFactory = _ => "*" };
        var command = new Command("micro", """
            Micro-benchmarks of the hot path with BenchmarkDotNet and its memory diagnoser (allocated bytes per
            operation): sliding windows and filtering per chunk, Euclidean alignment per window, and the batching
            queue's enqueue + batch assembly per window. Runs in-process (no separate build). Build in Release first.

            Examples:
              pipeline bench micro
              pipeline bench micro --filter *Alignment*
            """) { filter };
        command.SetAction(parse => UserError.Run(() =>
        {
            var config = BenchmarkDotNet.Configs.ManualConfig.Create(BenchmarkDotNet.Configs.DefaultConfig.Instance)
                .AddJob(BenchmarkDotNet.Jobs.JobExtensions.WithToolchain(BenchmarkDotNet.Jobs.Job.ShortRun, BenchmarkDotNet.Toolchains.InProcess.Emit.InProcessEmitToolchain.Instance))
                .WithOptions(BenchmarkDotNet.Configs.ConfigOptions.DisableOptimizationsValidator);
            var summaries = BenchmarkDotNet.Running.BenchmarkSwitcher.FromTypes([typeof(HotPathBenchmarks)]).Run(["--filter", parse.GetValue(filter)!], config);
            return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
        }));
        return command;
    }

    private static Command CreateLatency()
    {
        var model = new Option<string?>("--model", "-m") { Description = "The ONNX model (default: the demo model, DBConformer 22 x 1000)." };
        var sessions = new Option<string>("--sessions") { Description = "Session counts to run, comma-separated.", DefaultValueFactory = _ => "1,8,32,64,128" };
        var modes = new Option<string>("--modes") { Description = "batched (the shared micro-batching runner), unbatched (the same queue, one window per run), or both.", DefaultValueFactory = _ => "batched,unbatched" };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per configuration (after the warm-up).", DefaultValueFactory = _ => 20 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds before measuring (the first windows need 4 s of signal).", DefaultValueFactory = _ => 6 };
        var maxBatch = new Option<int>("--max-batch") { Description = "Largest batch in batched mode; 0 chooses at warm-up (the smallest whose time per window is within 10 % of the best).", DefaultValueFactory = _ => 0 };
        var delay = new Option<double>("--max-delay-ms") { Description = "How long a batch may wait for more windows (ms).", DefaultValueFactory = _ => 0 };
        var queue = new Option<int>("--queue") { Description = "Windows each session may queue before its oldest is dropped.", DefaultValueFactory = _ => 8 };
        var device = CommonOptions.Device();
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads.", DefaultValueFactory = _ => 1 };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file." };
        var png = new Option<string?>("--png") { Description = "Write plots to <stem>-latency.png and <stem>-throughput.png." };
        var command = new Command("latency", """
            How late is a command relative to the EEG that caused it, as sessions are added? Synthetic live sessions
            at real pace (22 channels at 250 Hz each, 4 s windows every 0.25 s: 4 decisions per second per session)
            share one model; for every window, the time from the arrival of its newest sample to its command leaving
            the session. Reports p50/p95/p99/max, decisions per second, drops and CPU for each session count, with
            batching on and off side by side, and the batching's own overhead as a share of the model's time.

            Examples:
              pipeline bench latency
              pipeline bench latency --sessions 8,64 --seconds 10 --json latency.json --png latency
              pipeline bench latency --device cuda --max-batch 64
            """) { model, sessions, modes, seconds, warmup, maxBatch, delay, queue, device, threads, json, png };
        command.SetAction(parse => UserError.Run(() =>
        {
            var counts = (CommonOptions.ParseList(parse.GetValue(sessions)) ?? []).Select(v => int.TryParse(v, out var n) && n > 0 ? n
                : throw new PipelineException($"--sessions '{v}' is not a positive number; give counts like 1,8,32.")).ToArray();
            var modeList = CommonOptions.ParseList(parse.GetValue(modes)) ?? [];
            foreach (var m in modeList)
                if (m is not "batched" and not "unbatched") throw new PipelineException($"--modes '{m}' is not known; use batched, unbatched or both.");
            var settings = new LatencyBenchSettings
            {
                ModelPath = parse.GetValue(model) ?? DemoVerb.Locate(DemoVerb.DemoModel) ?? throw new PipelineException($"The demo model {DemoVerb.DemoModel} was not found; give --model."),
                Sessions = counts,
                MeasureSeconds = parse.GetValue(seconds),
                WarmUpSeconds = parse.GetValue(warmup),
                MaxBatch = parse.GetValue(maxBatch),
                MaxDelay = TimeSpan.FromMilliseconds(parse.GetValue(delay)),
                QueueCapacity = parse.GetValue(queue),
                Runner = new ModelRunnerOptions { Device = CommonOptions.ParseDevice(parse.GetValue(device)), IntraOpThreads = parse.GetValue(threads) },
            };
            var rows = new List<LatencyBenchRow>();
            var deviceLine = "";
            foreach (var s in counts)
                foreach (var m in modeList)
                {
                    AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}, {s} session(s): {settings.WarmUpSeconds + settings.MeasureSeconds:G} s ...[/]");
                    var row = LatencyBench.Run(settings, m, s, line => deviceLine = deviceLine.Length == 0 || line.StartsWith("device", StringComparison.Ordinal) ? line : deviceLine + "; " + line);
                    rows.Add(row);
                    if (m != modeList[^1] || s != counts[^1]) deviceLine = "";
                    AnsiConsole.MarkupLine($"[grey]  p99 {row.P99Ms.ToString("F1", Inv)} ms, {row.DecisionsPerSecond.ToString("F0", Inv)} decisions/s, {row.Drops} dropped, batch {row.MeanBatch.ToString("F1", Inv)}[/]");
                }
            var table = new Table().AddColumns("mode", "sessions", "max batch", "decisions/s", "p50 (ms)", "p95 (ms)", "p99 (ms)", "max (ms)", "dropped (sessions)", "CPU (% of machine)", "mean batch", "overhead / model", "memory MB start → end (max)", "p99 ≤ 50 ms, no drops");
            foreach (var r in rows)
                table.AddRow(r.Mode, r.Sessions.ToString(Inv), r.MaxBatch.ToString(Inv), r.DecisionsPerSecond.ToString("F0", Inv), r.P50Ms.ToString("F2", Inv), r.P95Ms.ToString("F2", Inv),
                    r.P99Ms.ToString("F2", Inv), r.MaxMs.ToString("F1", Inv), $"{r.Drops.ToString(Inv)} ({r.SessionsWithDrops.ToString(Inv)})", r.CpuPercentOfMachine.ToString("F0", Inv), r.MeanBatch.ToString("F2", Inv),
                    double.IsNaN(r.OverheadPercentOfModel) ? "-" : r.OverheadPercentOfModel.ToString("F2", Inv) + " %",
                    $"{r.WorkingSetStartMb.ToString("F0", Inv)} → {r.WorkingSetEndMb.ToString("F0", Inv)} ({r.WorkingSetMaxMb.ToString("F0", Inv)})", r.Sustained ? "yes" : "no");
            AnsiConsole.MarkupLine($"[bold]bench latency[/] {Markup.Escape(settings.ModelPath)}; {Markup.Escape(deviceLine)}; {Environment.ProcessorCount} cores");
            AnsiConsole.Write(table);
            foreach (var m in modeList)
            {
                var best = rows.Where(r => r.Mode == m && r.Sustained).Select(r => r.Sessions).DefaultIfEmpty(0).Max();
                AnsiConsole.MarkupLine($"{Markup.Escape(m)}: sustains {best} session(s) at p99 ≤ 50 ms with nothing dropped (of the counts tried)");
            }
            if (parse.GetValue(json) is { } j)
                File.WriteAllText(j, JsonSerializer.Serialize(new { model = settings.ModelPath, device = deviceLine, cores = Environment.ProcessorCount, rows = rows.Select(r => r with { LatencySampleMs = [] }) }, new JsonSerializerOptions { WriteIndented = true }));
            if (parse.GetValue(png) is { } stem)
                foreach (var file in LatencyPlots.Save(stem, rows)) AnsiConsole.MarkupLine($"wrote {Markup.Escape(file)}");
            return 0;
        }));
        return command;
    }

    private static Command CreateInference()
    {
        var model = new Option<string?>("--model", "-m") { Description = "The ONNX model (default: the demo model)." };
        var recording = new Option<string?>("--recording") { Description = "A recording whose windows are decoded (default: the demo recording)." };
        var repeat = new Option<int>("--repeat") { Description = "Replays of the recording (after one warm-up).", DefaultValueFactory = _ => 5 };
        var device = CommonOptions.Device();
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads.", DefaultValueFactory = _ => 1 };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var command = new Command("inference", """
            Latency of decoding one window at batch 1, side by side: the model's run through our pre-bound IoBinding
            runner, the same model through ONNX Runtime's allocating Run, and the session's own added time per window
            (from the window being complete to its prediction and command leaving for the sinks, minus the model's
            run). Windows come from replaying a recording as fast as possible through the whole session.

            Examples:
              pipeline bench inference
              pipeline bench inference --model models/dbconformer-demo.onnx --repeat 10 --json inference.json
            """) { model, recording, repeat, device, threads, json };
        command.SetAction(parse => UserError.Run(() => RunInference(
            parse.GetValue(model) ?? DemoVerb.Locate(DemoVerb.DemoModel) ?? throw new PipelineException($"The demo model {DemoVerb.DemoModel} was not found; give --model."),
            parse.GetValue(recording) ?? DemoVerb.Locate(DemoVerb.DemoRecording) ?? throw new PipelineException($"The demo recording {DemoVerb.DemoRecording} was not found; give --recording."),
            Math.Max(1, parse.GetValue(repeat)), CommonOptions.ParseDevice(parse.GetValue(device)), parse.GetValue(threads), parse.GetValue(json))));
        return command;
    }

    private sealed record LatencyRow(string Measure, double P50Ms, double P99Ms, double MaxMs, long Count, double BytesPerWindow);

    private static int RunInference(string modelPath, string recordingPath, int repeat, ExecutionDevice device, int threads, string? jsonPath)
    {
        var runnerOptions = new ModelRunnerOptions { Device = device, IntraOpThreads = threads };
        var model = new LatencyRecorder(1 << 20);
        var added = new LatencyRecorder(1 << 20);
        var endToEnd = new LatencyRecorder(1 << 20);
        long windows = 0, sessionBytes = 0;
        string deviceName = "cpu";
        for (var run = 0; run <= repeat; run++)
        {
            using var rec = Recording.Open(recordingPath);
            var source = new ReplaySource(rec, new ReplayOptions { Fast = true }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
            using var runner = ModelRunner.Load(modelPath, runnerOptions, run == 0 ? line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]") : null);
            var session = DecodingSession.Create(source.Description, new DecodingOptions { Session = "bench" }, runner);
            deviceName = runner.Device;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var summary = session.Run(source);
            var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (run == 0) continue;
            Append(model, session.ModelTime);
            Append(added, session.AddedTime);
            Append(endToEnd, session.Latency);
            windows += summary.Windows;
            sessionBytes += used;
        }

        // The same windows through ONNX Runtime's allocating Run, for comparison.
        var allocating = new LatencyRecorder(1 << 20);
        long allocatingBytes;
        using (var runner = ModelRunner.Load(modelPath, runnerOptions with { WarmUp = false }))
        using (var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 })
        using (var plain = new Microsoft.ML.OnnxRuntime.InferenceSession(modelPath, options))
        {
            var input = new float[runner.Channels * runner.Samples];
            for (var i = 0; i < input.Length; i++) input[i] = MathF.Sin(i * 0.01f);
            var tensor = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(input, [1, runner.Channels, runner.Samples]);
            var inputs = new[] { Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(runner.InputName, tensor) };
            for (var i = 0; i < 20; i++) plain.Run(inputs).Dispose();
            var count = (int)Math.Min(model.Count, 4000);
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < count; i++)
            {
                var t = Stopwatch.GetTimestamp();
                using var result = plain.Run(inputs);
                allocating.AddSince(t);
            }
            allocatingBytes = (GC.GetAllocatedBytesForCurrentThread() - before) / Math.Max(1, count);
        }

        // The batching's own cost at batch 32: 32 sessions queue one window each, one batch runs them; everything the
        // runner does besides the model's run (taking the windows, copying them into the bucket, handing results back).
        double overhead32;
        double model32;
        using (var shared = BatchingModelRunner.Load(modelPath, runnerOptions, new BatchingOptions { MaxBatch = 32, MaxDelay = TimeSpan.FromMilliseconds(200), QueueCapacity = 2 }))
        {
            var size = shared.Model.WindowValues;
            var window = new float[size];
            var clients = Enumerable.Range(0, 32).Select(i => shared.Connect($"s{i}", (in WindowTicket _, ReadOnlySpan<float> _) => { }, blockWhenFull: true)).ToArray();
            for (var round = 0; round < 2 + Math.Max(3, repeat * 2); round++)
            {
                if (round == 2) shared.ResetCounters();
                foreach (var c in clients) c.Submit(window, new WindowTicket(round, 0, 4, 0));
                foreach (var c in clients) c.WaitIdle(CancellationToken.None);
            }
            overhead32 = (shared.CycleTicks - shared.ModelTicks) * 100.0 / shared.ModelTicks;
            model32 = shared.ModelTicks * 1000.0 / Stopwatch.Frequency / Math.Max(1, shared.Batches);
            AnsiConsole.MarkupLine($"[grey]batch 32: {shared.Batches} batches of {shared.MeanBatchSize.ToString("F1", Inv)} windows; model {model32.ToString("F2", Inv)} ms per batch[/]");
            foreach (var c in clients) c.Dispose();
        }

        var rows = new List<LatencyRow>
        {
            new("model run, pre-bound IoBinding runner (ours)", model.Quantile(0.5), model.Quantile(0.99), model.Quantile(1), model.Count, double.NaN),
            new("model run, ONNX Runtime allocating Run", allocating.Quantile(0.5), allocating.Quantile(0.99), allocating.Quantile(1), allocating.Count, allocatingBytes),
            new("pipeline's own added time per window (window complete → sinks, minus the model)", added.Quantile(0.5), added.Quantile(0.99), added.Quantile(1), added.Count, double.NaN),
            new("newest sample arrived → prediction and command at the sinks", endToEnd.Quantile(0.5), endToEnd.Quantile(0.99), endToEnd.Quantile(1), endToEnd.Count, sessionBytes / (double)Math.Max(1, windows)),
        };
        AnsiConsole.MarkupLine($"[bold]bench inference[/] {Markup.Escape(modelPath)} on {deviceName}, {threads} intra-op thread(s), batch 1; windows from {Markup.Escape(recordingPath)} x{repeat}");
        var table = new Table().AddColumns("measure", "p50 (ms)", "p99 (ms)", "max (ms)", "windows", "bytes / window");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Measure), r.P50Ms.ToString("F4", Inv), r.P99Ms.ToString("F4", Inv), r.MaxMs.ToString("F3", Inv), r.Count.ToString(Inv),
                double.IsNaN(r.BytesPerWindow) ? "-" : r.BytesPerWindow.ToString("F0", Inv));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]bytes / window of the last row: everything the session allocated per window, including opening the file and loading the model once per replay.[/]");
        AnsiConsole.MarkupLine($"batching overhead at batch 32 (everything but the model's run, as a share of the model's time, measured in the same batches): [bold]{overhead32.ToString("F2", Inv)} %[/] of {model32.ToString("F1", Inv)} ms");
        if (jsonPath is not null)
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(new { model = modelPath, recording = recordingPath, device = deviceName, threads, repeat, rows, batch32OverheadPercent = overhead32, batch32ModelMs = model32 }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static void Append(LatencyRecorder into, LatencyRecorder from)
    {
        foreach (var v in from.Values()) into.Add(v);
    }

    private static Command CreateReplay()
    {
        var file = CommonOptions.RecordingArgument();
        var repeat = new Option<int>("--repeat") { Description = "Timed runs per configuration (after one warm-up run).", DefaultValueFactory = _ => 7 };
        var window = new Option<double>("--window") { Description = "Window length, s.", DefaultValueFactory = _ => 4 };
        var hop = new Option<double>("--hop") { Description = "Window hop, s.", DefaultValueFactory = _ => 0.25 };
        var band = CommonOptions.Band("Band-pass edges in Hz (default 8 30).");
        var stream = CommonOptions.Stream();
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var command = new Command("replay", """
            Real-time factor of `replay --fast` without a model, and the allocations of the hot path. Three
            configurations side by side in one run: windowing only; gap detection + notch + band-pass + windowing +
            band power (chunks already in memory, so the file reader is not counted); and the whole replay from the
            file. Allocated bytes are counted on the processing thread after a warm-up run.

            Examples:
              pipeline bench replay ../shared/data/eeg/eegmmidb-S001/S001R04.edf
              pipeline bench replay ../shared/data/xdf/clock_resets.xdf --repeat 11 --json bench.json
            """) { file, repeat, window, hop, band, stream, json };
        command.SetAction(parse => UserError.Run(() => RunReplay(parse.GetValue(file)!, Math.Max(1, parse.GetValue(repeat)),
            parse.GetValue(window), parse.GetValue(hop), CommonOptions.ParseBand(parse.GetValue(band)) ?? (8, 30), parse.GetValue(stream), parse.GetValue(json))));
        return command;
    }

    private sealed record Row(string Configuration, double RtfMedian, double RtfP99Worst, double ChunkUsP50, double ChunkUsP99, double BytesPerChunk, double BytesPerSample, long Windows);

    private static int RunReplay(string path, int repeat, double windowSeconds, double hopSeconds, (double Low, double High) band, string? streamName, string? jsonPath)
    {
        using var recording = Recording.Open(path);
        var stream = recording.ChooseSignalStream(streamName);
        var d = stream.Description;
        var chunkFrames = new ReplayOptions().ChunkFramesFor(d.NominalRate);
        var chunks = recording.ReadChunks(stream.Index, chunkFrames).Select(c => c.Clone()).ToList();
        var frames = chunks.Sum(c => (long)c.Frames);
        var signalSeconds = frames / d.NominalRate;
        var windowSamples = (int)Math.Round(windowSeconds * d.NominalRate);
        if (frames < windowSamples)
            throw new PipelineException($"The window of {windowSeconds.ToString("G", Inv)} s is longer than the stream '{d.Name}' ({signalSeconds.ToString("F1", Inv)} s); choose a shorter --window.");
        AnsiConsole.MarkupLine($"[bold]bench replay[/] {Markup.Escape(path)}: stream '{Markup.Escape(d.Name)}', {d.ChannelCount} channels at {d.NominalRate.ToString("G", Inv)} Hz, {signalSeconds.ToString("F1", Inv)} s in {chunks.Count} chunks of {chunkFrames} frames; {repeat} timed runs each");

        // A 50 Hz notch where the rate allows it (a 100 Hz stream has its Nyquist frequency at 50 Hz).
        var notch = d.NominalRate / 2 > 55 ? 50.0 : 0;
        var notchLabel = notch > 0 ? "notch 50 + " : "";
        IObservable<SignalChunk> Filtered(IObservable<SignalChunk> s)
        {
            s = s.DetectGaps(_ => { });
            if (notch > 0) s = s.Notch(notch);
            return s.BandPass(band.Low, band.High);
        }
        var rows = new List<Row>
        {
            MeasureChain("windowing only", chunks, repeat, signalSeconds, d, s => s.SlidingWindows(new SlidingWindowOptions { LengthSamples = windowSamples, HopSeconds = hopSeconds }), false),
            MeasureChain($"gaps + {notchLabel}band-pass + windowing", chunks, repeat, signalSeconds, d,
                s => Filtered(s).SlidingWindows(new SlidingWindowOptions { LengthSamples = windowSamples, HopSeconds = hopSeconds }), false),
            MeasureChain("the same + band power per window", chunks, repeat, signalSeconds, d,
                s => Filtered(s).SlidingWindows(new SlidingWindowOptions { LengthSamples = windowSamples, HopSeconds = hopSeconds }), true),
            MeasureFile(path, repeat, signalSeconds, streamName, windowSeconds, hopSeconds, band, notch),
        };

        var table = new Table().AddColumns("configuration", "real-time factor (median)", "worst run", "per chunk p50 (µs)", "per chunk p99 (µs)", "bytes / chunk", "bytes / frame", "windows");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Configuration), $"{r.RtfMedian.ToString("N0", Inv)}x", $"{r.RtfP99Worst.ToString("N0", Inv)}x",
                double.IsNaN(r.ChunkUsP50) ? "-" : r.ChunkUsP50.ToString("F1", Inv), double.IsNaN(r.ChunkUsP99) ? "-" : r.ChunkUsP99.ToString("F1", Inv),
                r.BytesPerChunk.ToString("F1", Inv), r.BytesPerSample.ToString("F3", Inv), r.Windows.ToString(Inv));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]real-time factor = signal seconds / wall seconds; bytes counted on the processing thread after a warm-up run; the file row also counts what each run sets up (opening the file, the session), spread over its chunks.[/]");
        if (jsonPath is not null)
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(new { file = path, stream = d.Name, channels = d.ChannelCount, rate = d.NominalRate, signal_seconds = signalSeconds, runs = repeat, rows }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static Row MeasureChain(string name, List<SignalChunk> chunks, int repeat, double signalSeconds, StreamDescription d,
        Func<IObservable<SignalChunk>, IObservable<Window>> chain, bool bandPower)
    {
        var rtf = new List<double>();
        var perChunk = new LatencyRecorder(chunks.Count * repeat);
        long bytes = 0, windows = 0;
        var output = new float[d.ChannelCount];
        // One chain for all runs, as in a live session: each run replays the same chunks, which the chain sees as a
        // clock reset and restarts on, so only the first (warm-up) run pays for buffers and JIT.
        var subject = new Subject<SignalChunk>();
        long count = 0;
        using var sub = chain(subject).Subscribe(w =>
        {
            count++;
            if (bandPower) SignalPower.LogMeanSquare(w, output);
        });
        for (var run = 0; run <= repeat; run++)
        {
            var warm = run == 0;
            count = 0;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            foreach (var c in chunks)
            {
                var t = Stopwatch.GetTimestamp();
                subject.OnNext(c);
                if (!warm) perChunk.Add((Stopwatch.GetTimestamp() - t) * 1e6 / Stopwatch.Frequency);
            }
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (warm) continue;
            rtf.Add(signalSeconds / elapsed);
            bytes += used;
            windows = count;
        }
        var frames = chunks.Sum(c => (long)c.Frames) * (double)repeat;
        return new Row(name, Median(rtf), rtf.Min(), perChunk.Quantile(0.5), perChunk.Quantile(0.99), bytes / (double)(chunks.Count * repeat), bytes / frames, windows);
    }

    private static Row MeasureFile(string path, int repeat, double signalSeconds, string? streamName, double windowSeconds, double hopSeconds, (double, double) band, double notch)
    {
        var rtf = new List<double>();
        long bytes = 0, chunkCount = 0, frames = 0, windows = 0;
        for (var run = 0; run <= repeat; run++)
        {
            using var recording = Recording.Open(path);
            var source = new ReplaySource(recording, new ReplayOptions { Fast = true, Stream = streamName }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
            var session = DecodingSession.Create(source.Description, new DecodingOptions { WindowSeconds = windowSeconds, HopSeconds = hopSeconds, Band = band, Notch = notch });
            long chunksSeen = 0;
            var counted = source.Do(e => { if (e.Chunk is not null) chunksSeen++; });
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            var summary = session.Run(counted);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (run == 0) continue;
            rtf.Add(signalSeconds / elapsed);
            bytes += used;
            chunkCount += chunksSeen;
            frames += summary.Frames;
            windows = summary.Windows;
        }
        return new Row("whole replay from the file (read + decode + the chain above)", Median(rtf), rtf.Min(), double.NaN, double.NaN,
            bytes / (double)Math.Max(1, chunkCount), bytes / (double)Math.Max(1, frames), windows);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return LatencyRecorder.QuantileOfSorted(sorted, 0.5);
    }
}
