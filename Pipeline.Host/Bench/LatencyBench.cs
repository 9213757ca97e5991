using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Reactive.Subjects;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Sources.Simulation;

namespace Pipeline.Host.Bench;

/// <summary>Settings of <c>pipeline bench latency</c>.</summary>
internal sealed record LatencyBenchSettings
{
    public required string ModelPath { get; init; }
    public IReadOnlyList<int> Sessions { get; init; } = [1, 8, 32, 64, 128];
    public double WarmUpSeconds { get; init; } = 6;
    public double MeasureSeconds { get; init; } = 20;
    public double HopSeconds { get; init; } = 0.25;
    public int ChunkFrames { get; init; } = 10;
    /// <summary>Largest batch in the batched modes (0: chosen at warm-up).</summary>
    public int MaxBatch { get; init; }
    public TimeSpan MaxDelay { get; init; } = TimeSpan.Zero;
    public int QueueCapacity { get; init; } = 8;
    /// <summary>Inference workers in the <c>workers</c> mode (0: one per core).</summary>
    public int Workers { get; init; }
    /// <summary>Threads that play the sessions (each a share of them, DSP included, as each amplifier has its own source thread in a real setup); 0: one per 128 sessions, at most one per core.</summary>
    public int Pacers { get; init; }
    /// <summary>Seed of the sessions' random phases.</summary>
    public int Seed { get; init; } = 1;
    public ModelRunnerOptions Runner { get; init; } = new();
}

/// <summary>One configuration's measurements. Figures that could not be measured (no window in time) are NaN.</summary>
internal sealed record LatencyBenchRow(string Mode, string Phase, int Sessions, int MaxBatch, int Workers, int Pacers, double DecisionsPerSecond,
    double P50Ms, double P95Ms, double P99Ms, double MaxMs, double WindowEndP50Ms, double WindowEndP99Ms, double PacerLateP99Ms,
    long Windows, long Drops, int SessionsWithDrops, double CpuPercentOfMachine, double MeanBatch, double OverheadPercentOfModel,
    double WorkingSetStartMb, double WorkingSetEndMb, double WorkingSetMaxMb, double ManagedHeapMb, double ManagedCommittedMb, double[] LatencySampleMs)
{
    /// <summary>Sustained: p99 at most 50 ms and nothing dropped.</summary>
    public bool Sustained => P99Ms <= 50 && Drops == 0;
}

/// <summary>
/// Synthetic live sessions at real pace, all decoding with one shared model. Every session plays simulated EEG at the
/// card's rate in chunks of 40 ms on its own clock: sample n of session k is due at start + phase_k + n / rate, and a
/// chunk is pushed when its newest sample is due. Phases are independent and random (seeded), as independent
/// amplifiers are, or all zero (<c>aligned</c>: every session's windows complete at the same instant, the worst case
/// for a shared model). Latency is measured for every window from the moment its newest chunk's newest sample was
/// due — so a late pacer, a busy DSP thread and the model queue all count — to its prediction and command leaving the
/// session; a second figure measures from the window's own last sample (adding the amplifier's chunking).
/// </summary>
internal static class LatencyBench
{
    /// <summary>The modes: batching and workers off (<c>unbatched</c>), batching on (<c>batched</c>), batching and workers on (<c>workers</c>).</summary>
    public static readonly string[] Modes = ["unbatched", "batched", "workers"];
    /// <summary>The phase rules.</summary>
    public static readonly string[] Phases = ["random", "aligned"];

    /// <summary>
    /// One sentence on the capacity the rows of one mode and phase show: the largest count up to which every count
    /// tried held (p99 ≤ 50 ms, nothing dropped), and, where the machine's noise made a larger count hold after a
    /// smaller one failed, both named, so a lucky run is never reported as the capacity.
    /// </summary>
    public static string Capacity(IEnumerable<LatencyBenchRow> rows)
    {
        var sorted = rows.OrderBy(r => r.Sessions).ToList();
        var upTo = sorted.TakeWhile(r => r.Sustained).Select(r => r.Sessions).DefaultIfEmpty(0).Max();
        var failed = sorted.Where(r => !r.Sustained).Select(r => r.Sessions).ToList();
        var heldAbove = sorted.Where(r => r.Sustained && r.Sessions > upTo).Select(r => r.Sessions).ToList();
        var text = upTo == 0
            ? $"held none of the counts tried at p99 ≤ 50 ms with nothing dropped (the smallest, {sorted.FirstOrDefault()?.Sessions ?? 0}, did not)"
            : $"holds every count tried up to {upTo} session(s) at p99 ≤ 50 ms with nothing dropped";
        if (heldAbove.Count > 0)
            text += $"; {string.Join(", ", heldAbove)} held too, but {string.Join(", ", failed.Where(f => f < heldAbove[^1]))} did not (noise: rerun on a quieter machine)";
        else if (upTo > 0 && failed.Count > 0)
            text += $"; {failed[0]} did not";
        return text;
    }

    public static LatencyBenchRow Run(LatencyBenchSettings settings, string mode, string phase, int sessions, Action<string>? log)
    {
        // The previous configuration's sessions are garbage now: collect it, so this one's memory is its own.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
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

        var batching = mode switch
        {
            "unbatched" => new BatchingOptions { MaxBatch = 1, Workers = 1 },
            "batched" => new BatchingOptions { MaxBatch = settings.MaxBatch, MaxDelay = settings.MaxDelay, Workers = 1 },
            "workers" => new BatchingOptions { MaxBatch = settings.MaxBatch, MaxDelay = settings.MaxDelay, Workers = settings.Workers },
            _ => throw new PipelineException($"The mode '{mode}' is not known; use {string.Join(", ", Modes)}."),
        };
        batching = batching with { QueueCapacity = settings.QueueCapacity };
        using var shared = BatchingModelRunner.Load(settings.ModelPath, settings.Runner, batching, log);
        var tick = (double)Stopwatch.Frequency;
        var random = new Random(settings.Seed);
        var phases = Enumerable.Range(0, sessions).Select(_ => phase switch
        {
            "aligned" => 0.0,
            "random" => random.NextDouble() * settings.HopSeconds,
            _ => throw new PipelineException($"The phase '{phase}' is not known; use random or aligned."),
        }).ToArray();
        var start = Stopwatch.GetTimestamp() + (long)(0.05 * tick);
        var players = new Player[sessions];
        for (var k = 0; k < sessions; k++)
        {
            var origin = start + (long)(phases[k] * tick);
            var sink = new WindowEndLatency(origin);
            var session = DecodingSession.Create(description, new DecodingOptions { Session = $"s{k}", HopSeconds = settings.HopSeconds }, shared);
            players[k] = new Player(session, sink, description, settings.ChunkFrames, (int)((long)k * loopFrames / Math.Max(1, sessions) % loopFrames), origin, rate);
        }
        try
        {
            var warmEnd = start + (long)(settings.WarmUpSeconds * tick);
            var end = warmEnd + (long)(settings.MeasureSeconds * tick);
            var process = Process.GetCurrentProcess();
            var pacers = settings.Pacers > 0 ? settings.Pacers : Math.Clamp((sessions + 127) / 128, 1, Environment.ProcessorCount);
            pacers = Math.Min(pacers, sessions);
            var measuring = new StrongBox<bool>(false);
            var lateness = Enumerable.Range(0, pacers).Select(_ => new LatencyRecorder(1 << 20)).ToArray();
            var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var threads = Enumerable.Range(0, pacers).Select(p => new Thread(() =>
            {
                try
                {
                    Pace(players.Where((_, k) => k % pacers == p).ToArray(), signal, loopFrames, end, measuring, lateness[p]);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            }) { IsBackground = true, Name = $"pacer {p + 1}" }).ToArray();
            foreach (var t in threads) t.Start();
            SleepUntil(warmEnd);
            foreach (var p in players) p.Reset();
            shared.ResetCounters();
            var dropsAtWarmEnd = players.Sum(p => p.Session.Dropped);
            var dropsPerSessionAtWarmEnd = players.Select(p => p.Session.Dropped).ToArray();
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            var wsStart = process.WorkingSet64 / 1e6;
            var wsMax = wsStart;
            Volatile.Write(ref measuring.Value, true);
            // Memory once a second while measuring: under overload it must stay flat (bounded queues).
            for (var next = warmEnd + Stopwatch.Frequency; next < end; next += Stopwatch.Frequency)
            {
                SleepUntil(next);
                process.Refresh();
                wsMax = Math.Max(wsMax, process.WorkingSet64 / 1e6);
            }
            SleepUntil(end);
            foreach (var t in threads) t.Join();
            if (failures.TryDequeue(out var failure)) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            var late = lateness.SelectMany(l => l.Values()).ToArray();
            Array.Sort(late);
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpuStart).TotalSeconds / settings.MeasureSeconds / Environment.ProcessorCount * 100;
            var drops = players.Sum(p => p.Session.Dropped) - dropsAtWarmEnd;
            var sessionsWithDrops = Enumerable.Range(0, sessions).Count(k => players[k].Session.Dropped > dropsPerSessionAtWarmEnd[k]);
            var wsEnd = process.WorkingSet64 / 1e6;
            var gc = GC.GetGCMemoryInfo();
            var heapMb = gc.HeapSizeBytes / 1e6;
            var committedMb = gc.TotalCommittedBytes / 1e6;
            var all = players.SelectMany(p => p.Session.Latency.Values()).ToArray();
            Array.Sort(all);
            var fromEnd = players.SelectMany(p => p.Sink.Latency.Values()).ToArray();
            Array.Sort(fromEnd);
            double Q(double[] v, double x) => LatencyRecorder.QuantileOfSorted(v, x);
            var overhead = shared.ModelTicks > 0 ? (shared.CycleTicks - shared.ModelTicks) * 100.0 / shared.ModelTicks : double.NaN;
            var sample = all.Length <= 20000 ? all : Enumerable.Range(0, 20000).Select(i => all[(long)i * all.Length / 20000]).ToArray();
            return new LatencyBenchRow(mode, phase, sessions, shared.MaxBatch, shared.Workers, pacers, all.Length / settings.MeasureSeconds,
                Q(all, 0.5), Q(all, 0.95), Q(all, 0.99), all.Length > 0 ? all[^1] : double.NaN, Q(fromEnd, 0.5), Q(fromEnd, 0.99), Q(late, 0.99),
                all.Length, drops, sessionsWithDrops, cpu, shared.MeanBatchSize, overhead, wsStart, wsEnd, Math.Max(wsMax, wsEnd), heapMb, committedMb, sample);
        }
        finally
        {
            foreach (var p in players) p.Dispose();
        }
    }

    /// <summary>
    /// One pacer thread: pushes its sessions' chunks in the order they fall due (a pass in session order would make
    /// later sessions wait for earlier ones' DSP), and sleeps when the next is more than ~1 ms away (a spinning pacer
    /// would take a core from the model on a small machine).
    /// </summary>
    private static void Pace(Player[] players, float[] signal, int loopFrames, long end, StrongBox<bool> measuring, LatencyRecorder late)
    {
        var tick = (double)Stopwatch.Frequency;
        var due = new PriorityQueue<int, long>(players.Length);
        for (var k = 0; k < players.Length; k++) due.Enqueue(k, players[k].NextDue);
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            while (due.TryPeek(out var k, out var when) && when <= now)
            {
                due.Dequeue();
                var pushed = players[k].Push(signal, loopFrames);
                if (Volatile.Read(ref measuring.Value)) late.Add((pushed - when) * 1000.0 / tick);
                due.Enqueue(k, players[k].NextDue);
                now = Stopwatch.GetTimestamp();
            }
            if (now >= end) return;
            var wait = due.TryPeek(out _, out var next) ? (next - now) / tick : 0.001;
            if (wait > 0.0012) Thread.Sleep(1);
            else if (wait > 0) Thread.Yield();
        }
    }

    private static void SleepUntil(long ticks)
    {
        var left = (ticks - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
        if (left > 0) Thread.Sleep((int)left);
    }

    /// <summary>One simulated amplifier feeding one session on its own clock.</summary>
    private sealed class Player : IDisposable
    {
        private readonly Subject<SourceEvent> _events = new();
        private readonly SignalChunk _chunk;
        private readonly StreamDescription _description;
        private readonly RunningSession _running;
        private readonly int _offset;
        private readonly long _origin;
        private readonly double _rate;
        private long _frame;

        public Player(DecodingSession session, WindowEndLatency sink, StreamDescription description, int chunkFrames, int offset, long origin, double rate)
        {
            Session = session;
            Sink = sink;
            _description = description;
            _chunk = new SignalChunk(description, chunkFrames);
            _offset = offset;
            _origin = origin;
            _rate = rate;
            _running = session.Start(_events, sink);
        }

        public DecodingSession Session { get; }
        public WindowEndLatency Sink { get; }

        /// <summary>Stopwatch ticks when the next chunk's newest sample is due on this session's clock.</summary>
        public long NextDue => _origin + (long)((_frame + _chunk.CapacityFrames - 1) / _rate * Stopwatch.Frequency);

        public void Reset()
        {
            Session.Latency.Clear();
            Sink.Latency.Clear();
        }

        /// <summary>Pushes the next chunk, stamped as arriving when its newest sample was due; returns when it was pushed.</summary>
        public long Push(float[] signal, int loopFrames)
        {
            var due = NextDue;
            var n = _chunk.CapacityFrames;
            _chunk.Reset(_description, n);
            var channels = _description.ChannelCount;
            for (var f = 0; f < n; f++)
            {
                var src = (int)((_offset + _frame + f) % loopFrames);
                signal.AsSpan(src * channels, channels).CopyTo(_chunk.Data.AsSpan(f * channels, channels));
                _chunk.Timestamps[f] = (_frame + f) / _rate;
            }
            _frame += n;
            _chunk.ArrivalTicks = due;
            var pushed = Stopwatch.GetTimestamp();
            _events.OnNext(SourceEvent.FromChunk(_chunk));
            return pushed;
        }

        public void Dispose() => _running.Dispose();
    }

    /// <summary>Latency from the moment a window's own last sample was due (its end time on the session's clock) to its prediction.</summary>
    private sealed class WindowEndLatency(long origin) : IObserver<SessionEvent>
    {
        // 4 windows a second: room for an hour of measuring without the 0.5 MB per session of the default ring.
        public LatencyRecorder Latency { get; } = new(16384);

        public void OnNext(SessionEvent e)
        {
            if (e.Kind == SessionEventKind.Prediction)
                Latency.Add((Stopwatch.GetTimestamp() - origin) * 1000.0 / Stopwatch.Frequency - e.Prediction!.EndTime * 1000.0);
        }

        public void OnError(Exception error) { }
        public void OnCompleted() { }
    }
}
