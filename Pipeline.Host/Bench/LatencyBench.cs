using System.Reactive;
using System.Diagnostics;
using System.Reactive.Subjects;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;
using Pipeline.Core.Sessions;
using Pipeline.Sources.Simulation;

namespace Pipeline.Host.Bench;

/// <summary>Settings of <c>pipeline bench latency</c>.</summary>
internal sealed record LatencyBenchSettings
{
    public required string ModelPath { get; init; }
    public IReadOnlyList<int> Sessions { get; init; } = [1, 8, 32, 64, 128];
    public double WarmUpSeconds { get; init; } = 5;
    public double MeasureSeconds { get; init; } = 20;
    public double HopSeconds { get; init; } = 0.25;
    public int ChunkFrames { get; init; } = 10;
    public int MaxBatch { get; init; }
    public TimeSpan MaxDelay { get; init; } = TimeSpan.Zero;
    public int QueueCapacity { get; init; } = 8;
    public ModelRunnerOptions Runner { get; init; } = new();
}

/// <summary>One configuration's measurements.</summary>
internal sealed record LatencyBenchRow(string Mode, int Sessions, int MaxBatch, double DecisionsPerSecond, double P50Ms, double P95Ms, double P99Ms, double MaxMs,
    long Windows, long Drops, double CpuPercentOfMachine, double MeanBatch, double OverheadPercentOfModel, double[] LatencySampleMs,
    int SessionsWithDrops = 0, double WorkingSetStartMb = double.NaN, double WorkingSetEndMb = double.NaN, double WorkingSetMaxMb = double.NaN)
{
    /// <summary>Sustained: p99 at most 50 ms and nothing dropped.</summary>
    public bool Sustained => P99Ms <= 50 && Drops == 0;
}

/// <summary>
/// Synthetic live sessions at real pace, all decoding with one shared model: every session plays simulated 22-channel
/// EEG at 250 Hz in chunks of 40 ms (their phases spread evenly, as independent amplifiers would be), cuts 4 s windows
/// every 0.25 s and sends them to the shared runner; latency is measured for every window from the arrival of its
/// newest sample to its prediction and command leaving the session.
/// </summary>
internal static class LatencyBench
{
    public static LatencyBenchRow Run(LatencyBenchSettings settings, string mode, int sessions, Action<string>? log)
    {
        var card = ModelCard.Load(ModelCard.PathFor(settings.ModelPath));
        var rate = card.Rate;
        var simulation = MotorImagerySimulatorOptions.ForChannelCount(card.Channels.Count) with { SamplingRate = rate, Seed = 11 };
        var simulator = new MotorImagerySimulator(simulation);
        var description = simulator.Description;
        if (!description.ChannelLabels.SequenceEqual(card.Channels))
            description = description.WithChannels(card.Channels, card.Channels.Select(_ => "microvolts").ToArray());
        // One minute of signal, played in a loop by every session from its own offset.
        var loopFrames = (int)(60 * rate);
        var channels = description.ChannelCount;
        var signal = new float[loopFrames * channels];
        simulator.Fill(signal, new double[loopFrames], loopFrames);

        var batching = new BatchingOptions
        {
            MaxBatch = mode == "unbatched" ? 1 : settings.MaxBatch,
            MaxDelay = mode == "unbatched" ? TimeSpan.Zero : settings.MaxDelay,
            QueueCapacity = settings.QueueCapacity,
        };
        using var shared = BatchingModelRunner.Load(settings.ModelPath, settings.Runner, batching, log);
        var players = new Player[sessions];
        for (var k = 0; k < sessions; k++)
        {
            var session = DecodingSession.Create(description, new DecodingOptions { Session = $"s{k}", HopSeconds = settings.HopSeconds }, shared);
            players[k] = new Player(session, description, settings.ChunkFrames, (k * loopFrames / Math.Max(1, sessions)) % loopFrames);
        }
        try
        {
            var period = settings.ChunkFrames / rate;
            var start = Stopwatch.GetTimestamp();
            long Due(int k, long chunkIndex) => start + (long)(((chunkIndex + (double)k / sessions) * period) * Stopwatch.Frequency);
            var warmEnd = start + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
            var end = warmEnd + (long)(settings.MeasureSeconds * Stopwatch.Frequency);
            var process = Process.GetCurrentProcess();
            var cpuStart = TimeSpan.Zero;
            var measuring = false;
            long dropsAtWarmEnd = 0;
            var dropsPerSessionAtWarmEnd = new long[sessions];
            double wsStart = double.NaN, wsMax = 0;
            var nextMemorySample = warmEnd;
            // Each session's next chunk index; a pass pushes every chunk that is due, then the pacer sleeps 1 ms
            // (a spinning pacer would take a core from the model on a small machine).
            var next = new long[sessions];
            while (true)
            {
                var now = Stopwatch.GetTimestamp();
                for (var k = 0; k < sessions; k++)
                    while (Due(k, next[k]) <= now)
                    {
                        players[k].Push(signal, loopFrames, rate);
                        next[k]++;
                    }
                if (!measuring && now >= warmEnd)
                {
                    measuring = true;
                    foreach (var p in players) p.Session.Latency.Clear();
                    shared.ResetCounters();
                    dropsAtWarmEnd = players.Sum(p => p.Session.Dropped);
                    for (var k = 0; k < sessions; k++) dropsPerSessionAtWarmEnd[k] = players[k].Session.Dropped;
                    process.Refresh();
                    cpuStart = process.TotalProcessorTime;
                    wsStart = process.WorkingSet64 / 1e6;
                }
                if (measuring && now >= nextMemorySample)
                {
                    // Memory once a second while measuring: under overload it must stay flat (bounded queues).
                    process.Refresh();
                    wsMax = Math.Max(wsMax, process.WorkingSet64 / 1e6);
                    nextMemorySample = now + Stopwatch.Frequency;
                }
                if (now >= end) break;
                Thread.Sleep(1);
            }
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpuStart).TotalSeconds / settings.MeasureSeconds / Environment.ProcessorCount * 100;
            var drops = players.Sum(p => p.Session.Dropped) - dropsAtWarmEnd;
            var sessionsWithDrops = Enumerable.Range(0, sessions).Count(k => players[k].Session.Dropped > dropsPerSessionAtWarmEnd[k]);
            var wsEnd = process.WorkingSet64 / 1e6;
            var all = players.SelectMany(p => p.Session.Latency.Values()).ToArray();
            Array.Sort(all);
            var q = (double x) => Pipeline.Core.Evaluation.LatencyRecorder.QuantileOfSorted(all, x);
            var overhead = shared.ModelTicks > 0 ? (shared.CycleTicks - shared.ModelTicks) * 100.0 / shared.ModelTicks : double.NaN;
            var sample = all.Length <= 20000 ? all : Enumerable.Range(0, 20000).Select(i => all[(long)i * all.Length / 20000]).ToArray();
            return new LatencyBenchRow(mode, sessions, shared.MaxBatch, all.Length / settings.MeasureSeconds, q(0.5), q(0.95), q(0.99), all.Length > 0 ? all[^1] : double.NaN,
                all.Length, drops, cpu, shared.MeanBatchSize, overhead, sample, sessionsWithDrops, wsStart, wsEnd, Math.Max(wsMax, wsEnd));
        }
        finally
        {
            foreach (var p in players) p.Dispose();
        }
    }

    /// <summary>One simulated amplifier feeding one session.</summary>
    private sealed class Player : IDisposable
    {
        private readonly Subject<SourceEvent> _events = new();
        private readonly SignalChunk _chunk;
        private readonly StreamDescription _description;
        private readonly RunningSession _running;
        private long _frame;
        private readonly int _offset;

        public Player(DecodingSession session, StreamDescription description, int chunkFrames, int offset)
        {
            Session = session;
            _description = description;
            _chunk = new SignalChunk(description, chunkFrames);
            _offset = offset;
            _running = session.Start(_events, Observer.Create<SessionEvent>(static _ => { }));
        }

        public DecodingSession Session { get; }

        public void Push(float[] signal, int loopFrames, double rate)
        {
            var n = _chunk.CapacityFrames;
            _chunk.Reset(_description, n);
            var channels = _description.ChannelCount;
            for (var f = 0; f < n; f++)
            {
                var src = (int)((_offset + _frame + f) % loopFrames);
                signal.AsSpan(src * channels, channels).CopyTo(_chunk.Data.AsSpan(f * channels, channels));
                _chunk.Timestamps[f] = (_frame + f) / rate;
            }
            _frame += n;
            _chunk.ArrivalTicks = Stopwatch.GetTimestamp();
            _events.OnNext(SourceEvent.FromChunk(_chunk));
        }

        public void Dispose()
        {
            _running.Dispose();
        }
    }
}
