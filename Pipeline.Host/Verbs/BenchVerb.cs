using System.CommandLine;
using System.Globalization;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;
using Pipeline.Host.Bench;
using Pipeline.Host.Cli;
using Spectre.Console;

namespace Pipeline.Host.Verbs;

/// <summary>
/// <c>pipeline bench</c>: measured throughput, latency and allocations of the pipeline's stages. The verb holds the
/// options and the tables; the measurements live in <c>Pipeline.Host/Bench</c>.
/// </summary>
internal static class BenchVerb
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: measure, do not guess. Each reports medians and p99 over repeated runs, side by side.");
        bench.Subcommands.Add(CreateReplay());
        bench.Subcommands.Add(CreateInference());
        bench.Subcommands.Add(CreateModel());
        bench.Subcommands.Add(CreateLatency());
        bench.Subcommands.Add(CreateMicro());
        bench.Subcommands.Add(CreateLoopback());
        // A live 'bench X: mm:ss elapsed' line on a terminal (BenchmarkDotNet's micro runs print their own progress).
        foreach (var sub in bench.Subcommands.Where(c => c.Name != "micro")) Cli.LiveStatus.Wrap(sub, $"bench {sub.Name}");
        // SIGTERM, SIGINT or SIGHUP ends a benchmark with exit 0 and one line; nothing half-measured is written.
        foreach (var sub in bench.Subcommands) BatchStop.Wrap(sub, $"bench {sub.Name}");
        return bench;
    }

    /// <summary>A figure for a table: "-" where it is not defined.</summary>
    private static string F(double value, string format) => double.IsFinite(value) ? value.ToString(format, Inv) : "-";

    private static void Grey(string line) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]");

    private static string DemoModel(string? given) =>
        given ?? DemoVerb.Locate(DemoVerb.DemoModel) ?? throw new PipelineException($"The demo model {DemoVerb.DemoModel} was not found; give --model.");

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
            var modelPath = DemoModel(parse.GetValue(model));
            var r = CommandLoopbackBench.Run(modelPath, parse.GetValue(seconds), cfg, new ModelRunnerOptions { Device = CommonOptions.ParseDevice(parse.GetValue(device)) }, Grey);
            var table = new Table().AddColumns("measure", "value");
            table.AddRow("amplifier", $"{r.SamplesPushed} samples in {r.Seconds.ToString("G", Inv)} s");
            table.AddRow("commands received", r.Commands.ToString(Inv));
            table.AddRow("command received − newest sample pushed: min / p50 / p95 / p99 / max (ms)",
                $"{F(r.MinMs, "F2")} / {F(r.P50Ms, "F2")} / {F(r.P95Ms, "F2")} / {F(r.P99Ms, "F2")} / {F(r.MaxMs, "F2")}");
            table.AddRow("command received − newest sample's own time stamp (adds the amplifier's 40 ms chunking): p50 / p99 (ms)", $"{F(r.SampledP50Ms, "F2")} / {F(r.SampledP99Ms, "F2")}");
            table.AddRow("gaps in the received EEG", r.Gaps.ToString(Inv));
            AnsiConsole.MarkupLine($"[bold]bench loopback[/] {Markup.Escape(modelPath)}");
            AnsiConsole.Write(table);
            if (parse.GetValue(json) is { } j) BenchJson.Write(j, r);
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
        var modes = new Option<string>("--modes")
        {
            Description = "Comma-separated: unbatched (one window per run, one inference thread), batched (the batch limit of --max-batch, one thread), " +
                          "workers (the batch limit and --workers threads: what serve runs).",
            DefaultValueFactory = _ => "unbatched,workers",
        };
        var phase = new Option<string>("--phase")
        {
            Description = "random (each session its own seeded random phase, as independent amplifiers), aligned (all sessions in step: the synchronised worst case), or both: random,aligned.",
            DefaultValueFactory = _ => "random",
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the random phases.", DefaultValueFactory = _ => 1 };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per configuration (after the warm-up).", DefaultValueFactory = _ => 20 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds before measuring (the first windows need 4 s of signal plus their phase).", DefaultValueFactory = _ => 6 };
        var maxBatch = new Option<int>("--max-batch") { Description = "Largest batch in the batched and workers modes; 0 chooses at warm-up (the smallest whose median time per window is within 10 % of the best).", DefaultValueFactory = _ => 0 };
        var workers = new Option<int>("--workers") { Description = "Inference threads in the workers mode; 0 = one per core.", DefaultValueFactory = _ => 0 };
        var delay = new Option<double>("--max-delay-ms") { Description = "How long a batch may wait for more windows (ms).", DefaultValueFactory = _ => 0 };
        var queue = new Option<int>("--queue") { Description = "Windows each session may queue before its oldest is dropped.", DefaultValueFactory = _ => 8 };
        var pacers = new Option<int>("--pacers") { Description = "Threads that play the sessions and run their DSP; 0 = one per 128 sessions, at most one per core.", DefaultValueFactory = _ => 0 };
        var device = CommonOptions.Device();
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads.", DefaultValueFactory = _ => 1 };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file." };
        var png = new Option<string?>("--png") { Description = "Write plots to <stem>-latency.png and <stem>-throughput.png." };
        var command = new Command("latency", """
            How late is a command relative to the EEG that caused it, as sessions are added? Synthetic live sessions
            at real pace (the model's channels and rate, 40 ms chunks, 4 s windows every 0.25 s: 4 decisions per second
            per session) share one model. Each session runs on its own clock with a random phase (or all in step with
            --phase aligned). Latency is timed from the moment the window's newest sample was due on its session's
            clock (so a late pacer, the DSP and the model queue all count) to its prediction and command leaving the
            session; a second figure times from the window's own last sample (adding the amplifier's chunking).
            Reports p50/p95/p99/max, decisions per second, drops, CPU and memory for each session count, with
            batching and workers on and off side by side, and the largest count held at p99 ≤ 50 ms with no drop.

            Examples:
              pipeline bench latency
              pipeline bench latency --sessions 64,128,256 --phase random,aligned --json latency.json --png latency
              pipeline bench latency --modes unbatched,batched,workers --workers 2 --seconds 10
              pipeline bench latency --device cuda --max-batch 64 --sessions 64,256,1024
            """) { model, sessions, modes, phase, seed, seconds, warmup, maxBatch, workers, delay, queue, pacers, device, threads, json, png };
        command.SetAction(parse => UserError.Run(() =>
        {
            var counts = (CommonOptions.ParseList(parse.GetValue(sessions)) ?? []).Select(v => int.TryParse(v, out var n) && n > 0 ? n
                : throw new PipelineException($"--sessions '{v}' is not a positive number; give counts like 1,8,32.")).ToArray();
            if (counts.Length == 0) throw new PipelineException("--sessions is empty; give counts like 1,8,32.");
            var modeList = CommonOptions.ParseList(parse.GetValue(modes)) ?? [];
            foreach (var m in modeList)
                if (!LatencyBench.Modes.Contains(m)) throw new PipelineException($"--modes '{m}' is not known; use {string.Join(", ", LatencyBench.Modes)}.");
            var phaseList = CommonOptions.ParseList(parse.GetValue(phase)) ?? [];
            foreach (var p in phaseList)
                if (!LatencyBench.Phases.Contains(p)) throw new PipelineException($"--phase '{p}' is not known; use random, aligned or random,aligned.");
            if (modeList.Count == 0 || phaseList.Count == 0) throw new PipelineException("--modes and --phase need at least one value each.");
            if (!(parse.GetValue(seconds) > 0) || parse.GetValue(seconds) > 3600) throw new PipelineException("--seconds must be above 0 and at most 3600.");
            if (!(parse.GetValue(warmup) >= 4.5) || parse.GetValue(warmup) > 600) throw new PipelineException("--warmup must be at least 4.5 s (a first window needs 4 s of signal plus its phase) and at most 600.");
            if (parse.GetValue(workers) is < 0 or > 256) throw new PipelineException("--workers must be 0 (one per core) to 256.");
            if (parse.GetValue(queue) is < 1 or > 4096) throw new PipelineException("--queue must be 1 to 4096 windows.");
            if (parse.GetValue(pacers) is < 0 or > 256) throw new PipelineException("--pacers must be 0 (automatic) to 256.");
            var settings = new LatencyBenchSettings
            {
                ModelPath = DemoModel(parse.GetValue(model)),
                Sessions = counts,
                MeasureSeconds = parse.GetValue(seconds),
                WarmUpSeconds = parse.GetValue(warmup),
                MaxBatch = parse.GetValue(maxBatch),
                MaxDelay = TimeSpan.FromMilliseconds(parse.GetValue(delay)),
                QueueCapacity = parse.GetValue(queue),
                Workers = parse.GetValue(workers),
                Seed = parse.GetValue(seed),
                Pacers = parse.GetValue(pacers),
                Runner = new ModelRunnerOptions { Device = CommonOptions.ParseDevice(parse.GetValue(device)), IntraOpThreads = parse.GetValue(threads) },
            };
            var rows = new List<LatencyBenchRow>();
            var deviceLines = new List<string>();
            // Side by side: for each session count and phase, every mode in turn, so load from elsewhere falls on all.
            foreach (var s in counts)
                foreach (var p in phaseList)
                    foreach (var m in modeList)
                    {
                        Grey($"{m}, {p} phase, {s} session(s): {settings.WarmUpSeconds + settings.MeasureSeconds:G} s ...");
                        var row = LatencyBench.Run(settings, m, p, s, line =>
                        {
                            if (!deviceLines.Contains(line) && (line.StartsWith("device", StringComparison.Ordinal) || deviceLines.Count < 8)) deviceLines.Add(line);
                        });
                        rows.Add(row);
                        Grey($"  p99 {F(row.P99Ms, "F1")} ms, {F(row.DecisionsPerSecond, "F0")} decisions/s, {row.Drops} dropped, batch {F(row.MeanBatch, "F1")}, {row.Workers} worker(s); " +
                            $"working set {F(row.WorkingSetMaxMb, "F0")} MB, managed heap {F(row.ManagedHeapMb, "F0")} MB ({F(row.ManagedCommittedMb, "F0")} committed)");
                    }
            // One row per configuration; the full figures (p95, memory start/end, overhead) are in the JSON.
            var table = new Table().AddColumns("mode", "phase", "sessions", "batch ≤ / workers / pacers", "decisions/s", "p50 / p99 / max (ms)", "from window end p50 / p99",
                "pacer late p99", "dropped (sessions)", "CPU %", "mean batch", "MB max", "p99 ≤ 50, no drop");
            foreach (var r in rows)
                table.AddRow(r.Mode, r.Phase, r.Sessions.ToString(Inv), $"{r.MaxBatch.ToString(Inv)} / {r.Workers.ToString(Inv)} / {r.Pacers.ToString(Inv)}", F(r.DecisionsPerSecond, "F0"),
                    $"{F(r.P50Ms, "F1")} / {F(r.P99Ms, "F1")} / {F(r.MaxMs, "F0")}", $"{F(r.WindowEndP50Ms, "F1")} / {F(r.WindowEndP99Ms, "F1")}", F(r.PacerLateP99Ms, "F1"),
                    $"{r.Drops.ToString(Inv)} ({r.SessionsWithDrops.ToString(Inv)})", F(r.CpuPercentOfMachine, "F0"), F(r.MeanBatch, "F2"), F(r.WorkingSetMaxMb, "F0"),
                    r.Sustained ? "yes" : "no");
            AnsiConsole.MarkupLine($"[bold]bench latency[/] {Markup.Escape(settings.ModelPath)}; {Markup.Escape(string.Join("; ", deviceLines))}; {Environment.ProcessorCount} cores");
            AnsiConsole.Write(table);
            foreach (var p in phaseList)
                foreach (var m in modeList)
                {
                    AnsiConsole.MarkupLine($"{Markup.Escape(m)}, {Markup.Escape(p)} phase: {Markup.Escape(LatencyBench.Capacity(rows.Where(r => r.Mode == m && r.Phase == p)))}");
                }
            if (parse.GetValue(json) is { } j)
                BenchJson.Write(j, new
                {
                    model = settings.ModelPath, device = string.Join("; ", deviceLines), cores = Environment.ProcessorCount, seed = settings.Seed,
                    measure_seconds = settings.MeasureSeconds, warmup_seconds = settings.WarmUpSeconds,
                    rows = rows.Select(r => r with { LatencySampleMs = [] }),
                });
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
            Latency of decoding one window at batch 1. The whole session replays a recording as fast as possible: the
            model's run, the session's own added time per window (window complete → prediction and command at the
            sinks, minus the model) and newest sample → sinks. Then our pre-bound IoBinding runner against ONNX
            Runtime's allocating Run under the same conditions: the same session options, the same windows (those the
            session fed the model), calls interleaved in alternating order. And the batching's overhead at batch 32.

            Examples:
              pipeline bench inference
              pipeline bench inference --model models/dbconformer-demo.onnx --repeat 10 --json inference.json
            """) { model, recording, repeat, device, threads, json };
        command.SetAction(parse => UserError.Run(() =>
        {
            var modelPath = DemoModel(parse.GetValue(model));
            var recordingPath = parse.GetValue(recording) ?? DemoVerb.Locate(DemoVerb.DemoRecording)
                ?? throw new PipelineException($"The demo recording {DemoVerb.DemoRecording} was not found; give --recording.");
            if (parse.GetValue(repeat) is < 1 or > 1000) throw new PipelineException("--repeat must be 1 to 1000.");
            var r = InferenceBench.Run(modelPath, recordingPath, parse.GetValue(repeat), CommonOptions.ParseDevice(parse.GetValue(device)), parse.GetValue(threads), Grey);
            AnsiConsole.MarkupLine($"[bold]bench inference[/] {Markup.Escape(modelPath)} on {r.Device}, {r.Threads} intra-op thread(s), batch 1; windows from {Markup.Escape(recordingPath)} x{r.Repeat} ({r.DistinctWindows} distinct in the interleaved comparison)");
            var table = new Table().AddColumns("measure", "p50 (ms)", "p99 (ms)", "max (ms)", "windows", "bytes / window");
            foreach (var row in r.Rows)
                table.AddRow(Markup.Escape(row.Measure), F(row.P50Ms, "F4"), F(row.P99Ms, "F4"), F(row.MaxMs, "F3"), row.Count.ToString(Inv), F(row.BytesPerWindow, "F0"));
            AnsiConsole.Write(table);
            Grey("bytes / window of the last row: everything the session allocated per window, including opening the file and loading the model once per replay.");
            AnsiConsole.MarkupLine($"batching overhead at batch 32 (everything but the model's run, as a share of the model's time, measured in the same {r.Batch32Batches} batches): [bold]{F(r.Batch32OverheadPercent, "F2")} %[/] of {F(r.Batch32ModelMs, "F1")} ms");
            if (parse.GetValue(json) is { } j) BenchJson.Write(j, r);
            return 0;
        }));
        return command;
    }

    private static Command CreateModel()
    {
        var models = new Option<string[]>("--model", "-m") { Description = "ONNX models to compare (give several; default: the demo model and its int8 variant).", AllowMultipleArgumentsPerToken = true };
        var batches = new Option<string>("--batch") { Description = "Batch sizes, comma-separated.", DefaultValueFactory = _ => "1,32" };
        var seconds = new Option<double>("--seconds") { Description = "Measuring time for all models and sizes together (interleaved).", DefaultValueFactory = _ => 20 };
        var mflop = new Option<double?>("--mflop") { Description = "MFLOP per window for models whose card does not say (cards written by export.py do: export.flops_per_window)." };
        var peak = new Option<double>("--peak-gflops") { Description = "One core's peak, GFLOP/s, for the share of peak (default: 64 FLOP/cycle x 2.1 GHz, AVX-512 with two FMA units).", DefaultValueFactory = _ => 134.4 };
        var device = CommonOptions.Device();
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads.", DefaultValueFactory = _ => 1 };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var command = new Command("model", """
            Per-window model time and GFLOP/s of one or more models at several batch sizes, side by side: each
            (model, batch) pair runs a short block per round (the first run, after another configuration's, not
            counted) in a rotating order until the time is up, on the same seeded windows, one intra-op thread by
            default. FLOPs per window come from each card's export.flops_per_window
            (written by models/dbconformer/export.py); the share of peak is GFLOP/s over --peak-gflops x threads.

            Examples:
              pipeline bench model
              pipeline bench model -m old.onnx -m models/dbconformer-demo.onnx -m models/dbconformer-demo-int8.onnx --batch 1,8,32
              pipeline bench model -m other.onnx --mflop 12.9 --batch 1
            """) { models, batches, seconds, mflop, peak, device, threads, json };
        command.SetAction(parse => UserError.Run(() =>
        {
            var list = parse.GetValue(models) is { Length: > 0 } given ? given : DefaultModels();
            foreach (var m in list)
                if (!File.Exists(m)) throw new PipelineException($"The model file '{m}' does not exist; check the paths given to --model.");
            var sizes = (CommonOptions.ParseList(parse.GetValue(batches)) ?? []).Select(v => int.TryParse(v, out var n) && n is > 0 and <= 1024 ? n
                : throw new PipelineException($"--batch '{v}' is not a batch size from 1 to 1024; give sizes like 1,32.")).Distinct().Order().ToArray();
            if (sizes.Length == 0) throw new PipelineException("--batch is empty; give sizes like 1,32.");
            if (!(parse.GetValue(seconds) > 0) || parse.GetValue(seconds) > 3600) throw new PipelineException("--seconds must be above 0 and at most 3600.");
            if (!(parse.GetValue(peak) > 0)) throw new PipelineException("--peak-gflops must be above 0.");
            if (parse.GetValue(mflop) is { } mf && !(mf > 0)) throw new PipelineException("--mflop must be above 0.");
            var r = ModelBench.Run(list, sizes, parse.GetValue(seconds), CommonOptions.ParseDevice(parse.GetValue(device)), parse.GetValue(threads), parse.GetValue(peak),
                parse.GetValue(mflop) * 1e6, Grey);
            AnsiConsole.MarkupLine($"[bold]bench model[/] on {r.Device}, {r.Threads} intra-op thread(s), {r.Cores} cores; interleaved for {F(r.Seconds, "G")} s");
            var table = new Table().AddColumns("model", "batch", "runs", "ms / window median", "p10", "p90", "p99", "MFLOP / window", "GFLOP/s", "% of peak");
            foreach (var row in r.Rows)
                table.AddRow(Markup.Escape(row.Model), row.Batch.ToString(Inv), row.Runs.ToString(Inv), F(row.MsPerWindowMedian, "F4"), F(row.MsPerWindowP10, "F4"),
                    F(row.MsPerWindowP90, "F4"), F(row.MsPerWindowP99, "F4"), F(row.MflopPerWindow, "F2"), F(row.GflopPerSecond, "F1"), F(row.PercentOfPeak, "F1"));
            AnsiConsole.Write(table);
            if (parse.GetValue(json) is { } j) BenchJson.Write(j, r);
            return 0;
        }));
        return command;
    }

    private static string[] DefaultModels()
    {
        var demo = DemoModel(null);
        var int8 = Path.Combine(Path.GetDirectoryName(demo) ?? ".", Path.GetFileNameWithoutExtension(demo) + "-int8.onnx");
        return File.Exists(int8) ? [demo, int8] : [demo];
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
            Real-time factor of `replay --fast` without a model, and the allocations of the hot path. Four
            configurations side by side in one run: windowing only; gap detection + notch + band-pass + windowing;
            the same + band power (chunks already in memory, so the file reader is not counted); and the whole replay
            from the file. Allocated bytes are counted on the processing thread after a warm-up run.

            Examples:
              pipeline bench replay ../shared/data/eeg/eegmmidb-S001/S001R04.edf
              pipeline bench replay ../shared/data/xdf/clock_resets.xdf --repeat 11 --json bench.json
            """) { file, repeat, window, hop, band, stream, json };
        command.SetAction(parse => UserError.Run(() =>
        {
            if (parse.GetValue(repeat) is < 1 or > 1000) throw new PipelineException("--repeat must be 1 to 1000.");
            if (!(parse.GetValue(window) > 0) || !(parse.GetValue(hop) > 0)) throw new PipelineException("--window and --hop must be above 0 seconds.");
            var r = ReplayBench.Run(parse.GetValue(file)!, parse.GetValue(repeat), parse.GetValue(window), parse.GetValue(hop),
                CommonOptions.ParseBand(parse.GetValue(band)) ?? (8, 30), parse.GetValue(stream), line => AnsiConsole.MarkupLine($"[bold]bench replay[/] {Markup.Escape(parse.GetValue(file)!)}: {Markup.Escape(line)}"));
            var table = new Table().AddColumns("configuration", "real-time factor (median)", "worst run", "per chunk p50 (µs)", "per chunk p99 (µs)", "bytes / chunk", "bytes / frame", "windows");
            foreach (var row in r.Rows)
                table.AddRow(Markup.Escape(row.Configuration), $"{F(row.RtfMedian, "N0")}x", $"{F(row.RtfP99Worst, "N0")}x", F(row.ChunkUsP50, "F1"), F(row.ChunkUsP99, "F1"),
                    F(row.BytesPerChunk, "F1"), F(row.BytesPerSample, "F3"), row.Windows.ToString(Inv));
            AnsiConsole.Write(table);
            Grey("real-time factor = signal seconds / wall seconds; bytes counted on the processing thread after a warm-up run; the file row also counts what each run sets up (opening the file, the session), spread over its chunks.");
            if (parse.GetValue(json) is { } j) BenchJson.Write(j, r);
            return 0;
        }));
        return command;
    }
}
