using System.Diagnostics;
using System.Reactive.Linq;
using Pipeline.Core.Decisions;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;
using Pipeline.Core.Sessions;
using Pipeline.Lsl;
using Pipeline.Sinks.Lsl;
using Pipeline.Sources.Lsl;
using Pipeline.Sources.Simulation;

namespace Pipeline.Host.Bench;

/// <summary>What <c>pipeline bench loopback</c> measured.</summary>
internal sealed record CommandLoopbackResult(double Seconds, long SamplesPushed, long Commands, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double MinMs, long Gaps,
    double SampledP50Ms, double SampledP99Ms);

/// <summary>
/// The end-to-end test a user runs on their own setup: an LSL outlet plays a simulated amplifier (22 channels at
/// 250 Hz in 40 ms chunks, each sample stamped with the LSL clock when it is pushed), a live session finds it,
/// decodes it with the model and publishes every decision as an LSL marker stamped with the timestamp of the window's
/// newest sample; an inlet receives the commands. Latency = (LSL clock when the command is received) − (that stamp).
/// </summary>
internal static class CommandLoopbackBench
{
    public static CommandLoopbackResult Run(string modelPath, double seconds, LslConfig config, ModelRunnerOptions runner, Action<string> progress)
    {
        var card = ModelCard.Load(ModelCard.PathFor(modelPath));
        var simulation = MotorImagerySimulatorOptions.ForChannelCount(card.Channels.Count) with { SamplingRate = card.Rate, Seed = 5 };
        var simulator = new MotorImagerySimulator(simulation);
        var id = Guid.NewGuid().ToString("N")[..8];
        var info = new StreamInfo($"bench-amp-{id}", "EEG", card.Channels.Count, card.Rate, ChannelFormat.Float32, $"bench-amp-{id}");
        info.SetChannels(card.Channels.Select(c => new ChannelDescription(c, "microvolts", "EEG")));
        using var outlet = new StreamOutlet(info, config: config);

        // Every window decides a command (no smoothing, threshold or refractory period), so each one is timed.
        var decisions = new DecisionOptions { WindowCount = 1, Threshold = 0, RefractorySeconds = 0 };
        using var commandSink = new LslCommandSink($"bench-commands-{id}", $"bench-commands-{id}", config);
        using var eeg = LslSource.Open(new LslSourceOptions(SourceId: info.SourceId, ResolveTimeout: 10, Config: config));
        using var model = ModelRunner.Load(modelPath, runner);
        var session = DecodingSession.Create(eeg.Description, new DecodingOptions { Session = "loopback", Decisions = decisions }, model);

        var found = LSL.ResolveByPred($"source_id='bench-commands-{id}'", 1, 10, config);
        if (found.Count == 0) throw new PipelineException("The benchmark's own command stream did not appear on loopback; check that 127.0.0.1 multicast works (see lsl_api.cfg).");
        using var commands = new StreamInlet(found[0], config: config);
        commands.OpenStream(10);

        var latencies = new LatencyRecorder(1 << 20);
        var sinceSampled = new LatencyRecorder(1 << 20);
        long received = 0;
        const int chunk = 10;
        var lslStart = double.NaN;
        using var stop = new CancellationTokenSource();
        var receiver = new Thread(() =>
        {
            var sample = new string[1];
            while (!stop.IsCancellationRequested)
            {
                var ts = commands.PullSample(sample, 0.1);
                if (ts == 0.0) continue;
                var now = LslClock.LocalClock();
                // The command carries its window's newest sample's stamp; that sample left in the chunk pushed when the
                // chunk's last sample was due.
                var n = Math.Round((ts - Volatile.Read(ref lslStart)) * card.Rate);
                var pushedAt = Volatile.Read(ref lslStart) + Math.Ceiling(n / chunk) * chunk / card.Rate;
                latencies.Add((now - pushedAt) * 1000);
                sinceSampled.Add((now - ts) * 1000);
                received++;
            }
        }) { IsBackground = true, Name = "command inlet" };
        receiver.Start();

        using var running = session.Start(eeg, commandSink);

        var channels = card.Channels.Count;
        var frames = new float[chunk * channels];
        var stamps = new double[chunk];
        var period = chunk / card.Rate;
        var total = (long)(seconds / period);
        // Like an amplifier with its own sample clock: sample n is stamped start + (n + 1) / rate on the LSL clock, and a
        // chunk is pushed when its newest sample is due, so that sample's stamp is its push time.
        var start = Stopwatch.GetTimestamp();
        Volatile.Write(ref lslStart, LslClock.LocalClock());
        long pushed = 0;
        for (long k = 0; k < total; k++)
        {
            var due = start + (long)((k + 1) * period * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < due)
            {
                var left = (due - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
                if (left > 1.5) Thread.Sleep(1); else Thread.SpinWait(50);
            }
            simulator.Fill(frames, stamps, chunk);
            for (var i = 0; i < chunk; i++) stamps[i] = lslStart + (pushed + i + 1) / card.Rate;
            outlet.PushChunk(frames, stamps);
            pushed += chunk;
            if (k > 0 && k % (long)(5 / period) == 0) progress($"{k * period:F0} s: {received} commands received");
        }
        Thread.Sleep(1000); // let the last windows arrive
        stop.Cancel();
        receiver.Join(TimeSpan.FromSeconds(2));
        var sorted = latencies.Values().ToArray();
        Array.Sort(sorted);
        double Q(double q) => LatencyRecorder.QuantileOfSorted(sorted, q);
        return new CommandLoopbackResult(seconds, pushed, received, Q(0.5), Q(0.95), Q(0.99), sorted.Length > 0 ? sorted[^1] : double.NaN, sorted.Length > 0 ? sorted[0] : double.NaN, session.Summary(seconds).Gaps,
            sinceSampled.Quantile(0.5), sinceSampled.Quantile(0.99));
    }
}
