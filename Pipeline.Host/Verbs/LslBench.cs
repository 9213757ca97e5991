using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pipeline.Host.Bench;
using Pipeline.Host.Cli;
using Spectre.Console;

namespace Pipeline.Host.Verbs;

/// <summary><c>pipeline lsl bench</c>: our LSL outlet to our inlet over loopback — losses, latency, CPU, clock offset.</summary>
internal static class LslBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var channels = new Option<int>("--channel-count") { Description = "Channels per sample (float32).", DefaultValueFactory = _ => 64 };
        var rate = new Option<double>("--rate") { Description = "Samples per second.", DefaultValueFactory = _ => 10_000 };
        var seconds = new Option<double>("--seconds") { Description = "How long to push.", DefaultValueFactory = _ => 60 };
        var chunk = new Option<int>("--chunk") { Description = "Samples per push (one push every chunk/rate seconds).", DefaultValueFactory = _ => 10 };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var config = LslOptions.Config();
        var role = new Option<string?>("--role")
        {
            Description = "Run one side only, as its own process: outlet or inlet (the other side may be liblsl's; see bench/lsl-vs-liblsl.sh). Prints one 'result key=value ...' line.",
        };
        var name = new Option<string>("--name") { Description = "The stream name both sides of a --role run use.", DefaultValueFactory = _ => "pipeline-lsl-peer" };
        var command = new Command("bench", """
            A measurement, not a test: one outlet and one inlet in this process, connected over 127.0.0.1 only. The
            LSL configuration is honoured as in the other LSL verbs (--lsl-config, else LSLAPICFG and liblsl's usual
            places: ports, session id, protocol version, time-probe tuning), with discovery confined to this machine:
            no multicast group is joined or sent to, no KnownPeers are asked, and the inlet connects to the outlet's
            ports on 127.0.0.1 directly. A pusher thread pushes float32 chunks on a fixed schedule with each sample's
            index in channel 0 and a known pattern in the others; a puller thread checks every sample arrives once, in
            order and intact, and records its push-to-pull latency. Also reports the process's CPU use, the time
            correction the inlet estimates (the true offset on one host is 0), and the bytes allocated per pulled
            sample. Exits 0 whether or not the targets are met.

            With --role outlet or --role inlet, runs one side alone (discovery then follows the configuration as
            given) and prints its CPU, peak memory, losses and latency: the two-process comparison with liblsl.

            Examples:
              pipeline lsl bench
              pipeline lsl bench --channel-count 8 --rate 1000 --seconds 5 --json lsl-bench.json
              pipeline lsl bench --lsl-config lab.cfg --seconds 10
              pipeline lsl bench --role inlet --name peer-1 --seconds 30 --lsl-config loopback.cfg
            """) { channels, rate, seconds, chunk, json, config, role, name };
        command.SetAction(parse => UserError.Run(() =>
        {
            var settings = new LslBenchSettings(parse.GetValue(channels), parse.GetValue(rate), parse.GetValue(seconds), parse.GetValue(chunk));
            var cfg = LslOptions.Load(parse.GetValue(config));
            if (parse.GetValue(role) is { } r)
            {
                LslLoopbackBench.Validate(settings);
                Console.Out.WriteLine(LslPeer.Run(r, parse.GetValue(name)!, settings, cfg));
                return 0;
            }
            return Run(settings, cfg, parse.GetValue(json));
        }));
        LiveStatus.Wrap(command, "lsl bench");
        BatchStop.Wrap(command, "lsl bench");
        return command;
    }

    private static int Run(LslBenchSettings settings, Pipeline.Lsl.LslConfig config, string? jsonPath)
    {
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(Inv,
            $"lsl bench: {settings.Channels} channels x {settings.Rate:G} Hz float32, {settings.Seconds:G} s, {settings.Chunk} samples per push, loopback only")));
        var r = LslLoopbackBench.Run(settings, config, line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));

        var table = new Table().AddColumns("measure", "value");
        void Row(string measure, string value) => table.AddRow(Markup.Escape(measure), Markup.Escape(value));
        string F(double v, string format) => double.IsNaN(v) ? "-" : v.ToString(format, Inv);
        Row("samples pushed / received", $"{r.Pushed.ToString(Inv)} / {r.Received.ToString(Inv)} in {F(r.PushSeconds, "F2")} s ({F(r.Pushed / r.PushSeconds, "F0")} samples/s)");
        Row("lost (gaps) / duplicate or reordered / corrupt / inlet dropped",
            $"{r.Lost.ToString(Inv)} ({r.Gaps.ToString(Inv)}) / {r.DuplicatesOrReordered.ToString(Inv)} / {r.Corrupt.ToString(Inv)} / {r.InletDropped.ToString(Inv)}");
        Row("push-to-pull latency p50 / p95 / p99 / max (ms)", $"{F(r.LatencyP50, "F3")} / {F(r.LatencyP95, "F3")} / {F(r.LatencyP99, "F3")} / {F(r.LatencyMax, "F3")}");
        Row("push lateness vs schedule p50 / p99 / max (ms)", $"{F(r.PushLateP50, "F3")} / {F(r.PushLateP99, "F3")} / {F(r.PushLateMax, "F3")}");
        Row("CPU, whole process", $"{F(r.CpuPercentOfOneCore, "F1")} % of one core = {F(r.CpuPercentOfMachine, "F1")} % of {r.ProcessorCount.ToString(Inv)} cores");
        Row("thread-pool work items per second", F(r.ThreadPoolItemsPerSecond, "F0"));
        Row("time-correction |error| p50 / max (ms)", $"{F(r.TimeCorrectionErrorP50, "F4")} / {F(r.TimeCorrectionErrorMax, "F4")} over {r.TimeCorrectionEstimates.ToString(Inv)} estimates");
        Row("time-correction uncertainty (round trip) p50 / max (ms)", $"{F(r.TimeCorrectionUncertaintyP50, "F4")} / {F(r.TimeCorrectionUncertaintyMax, "F4")}");
        Row("allocated on the puller thread, per sample (B)", F(r.PullBytesPerSample, "F3"));
        Row("allocated on the pusher thread, per chunk (B)", F(r.PushBytesPerChunk, "F3"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]latency: local clock at pull minus the sample's timestamp (the local clock at its push); lateness: push time minus its due time (pacing, not transport); allocations: the puller after its first second, the pusher after the outlet queue (10 s) wrapped or from half-way on shorter runs.[/]");
        AnsiConsole.MarkupLine($"no sample lost: {(r.NoSampleLost ? "[green]yes[/]" : "[red]no[/]")}");
        AnsiConsole.MarkupLine($"time-correction error < 0.2 ms: {(r.TimeCorrectionWithinTarget ? "[green]yes[/]" : "[red]no[/]")}" +
            Markup.Escape(string.Create(Inv, $" (max |offset| {F(r.TimeCorrectionErrorMax, "F4")} ms)")));

        if (jsonPath is not null)
        {
            try
            {
                File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
                {
                    channels = settings.Channels, rate = settings.Rate, seconds = settings.Seconds, chunk = settings.Chunk,
                    push_seconds = Finite(r.PushSeconds), pushed = r.Pushed, received = r.Received, lost = r.Lost, gaps = r.Gaps,
                    duplicates_or_reordered = r.DuplicatesOrReordered, corrupt = r.Corrupt, inlet_dropped = r.InletDropped,
                    latency_ms = new { p50 = Finite(r.LatencyP50), p95 = Finite(r.LatencyP95), p99 = Finite(r.LatencyP99), max = Finite(r.LatencyMax) },
                    push_lateness_ms = new { p50 = Finite(r.PushLateP50), p99 = Finite(r.PushLateP99), max = Finite(r.PushLateMax) },
                    cpu_percent_of_one_core = Finite(r.CpuPercentOfOneCore), cpu_percent_of_machine = Finite(r.CpuPercentOfMachine), processor_count = r.ProcessorCount,
                    thread_pool_items_per_second = Finite(r.ThreadPoolItemsPerSecond),
                    time_correction = new
                    {
                        estimates = r.TimeCorrectionEstimates, abs_error_ms_p50 = Finite(r.TimeCorrectionErrorP50), abs_error_ms_max = Finite(r.TimeCorrectionErrorMax),
                        uncertainty_ms_p50 = Finite(r.TimeCorrectionUncertaintyP50), uncertainty_ms_max = Finite(r.TimeCorrectionUncertaintyMax),
                    },
                    pull_bytes_per_sample = Finite(r.PullBytesPerSample), push_bytes_per_chunk = Finite(r.PushBytesPerChunk),
                    no_sample_lost = r.NoSampleLost, time_correction_within_0_2_ms = r.TimeCorrectionWithinTarget,
                }, new JsonSerializerOptions { WriteIndented = true }));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new Core.Signals.PipelineException($"Cannot write '{jsonPath}' ({e.Message.TrimEnd('.')}); choose a writable path with --json.", e);
            }
        }
        return 0;
    }

    // JSON has no NaN: a measure with no values is null.
    private static double? Finite(double v) => double.IsFinite(v) ? v : null;
}
