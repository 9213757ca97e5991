using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Host.Bench;

/// <summary>
/// One process, one outlet, one inlet over 127.0.0.1: a pusher thread paced on absolute due times and a puller thread
/// that checks every sample (index in channel 0, a pattern in the others) and its push-to-pull latency.
/// </summary>
internal sealed class LslLoopbackBench
{
    private const int FloatExactIndices = 1 << 24; // float32 holds every integer up to 2^24 exactly
    private const int BufferSeconds = 10;          // outlet queue and inlet buffer: far beyond any loopback stall

    private readonly LslBenchSettings _s;
    private readonly double[] _latency;   // ms per received sample
    private readonly double[] _pushLate;  // ms per chunk
    private long _pushedTotal = -1;       // set by the pusher when done
    private long _pushed;
    private long _received, _lost, _gaps, _dupes, _corrupt;
    private long _nextExpected;           // the index the puller expects next
    private int _stopPuller;
    private int _latencyCount;
    private double _pullBytesPerSample = double.NaN, _pushBytesPerChunk = double.NaN;
    private double _pushSeconds;
    private Exception? _failure;

    private LslLoopbackBench(LslBenchSettings settings)
    {
        _s = settings;
        _latency = new double[settings.TotalSamples];
        _pushLate = new double[settings.TotalChunks];
    }

    /// <summary>The value pushed in channel <paramref name="ch"/> (≥ 1) of sample <paramref name="index"/>: exact in float32, distinct per channel.</summary>
    public static float Pattern(long index, int ch) => (index & 1023) * 128 + ch;

    /// <summary>Runs the benchmark.</summary>
    /// <exception cref="PipelineException">Bad settings, or loopback LSL could not be set up.</exception>
    /// <param name="settings">What to push.</param>
    /// <param name="config">The LSL configuration to honour; discovery is confined to this machine (<see cref="LslLoopback.Confine"/>).</param>
    /// <param name="progress">Hears one line per phase.</param>
    public static LslBenchResult Run(LslBenchSettings settings, LslConfig config, Action<string>? progress = null)
    {
        Validate(settings);
        return new LslLoopbackBench(settings).Measure(LslLoopback.Confine(config), progress ?? (_ => { }));
    }

    /// <summary>Refuses settings the benchmark cannot measure, in one sentence each.</summary>
    public static void Validate(LslBenchSettings s)
    {
        if (s.Channels < 1 || s.Channels > 4096) throw new PipelineException($"--channels {s.Channels} is out of range; give 1 to 4096.");
        if (!(s.Rate > 0) || s.Rate > 1_000_000) throw new PipelineException($"--rate {s.Rate} is out of range; give a rate above 0 and at most 1000000 Hz.");
        if (!(s.Seconds > 0)) throw new PipelineException($"--seconds {s.Seconds} must be above 0.");
        if (s.Chunk < 1 || s.Chunk > s.Rate * s.Seconds) throw new PipelineException($"--chunk {s.Chunk} must be at least 1 and at most the samples in the run.");
        if (s.TotalSamples >= FloatExactIndices)
            throw new PipelineException($"{s.TotalSamples} samples exceed the 2^24 indices a float32 channel holds exactly; shorten --seconds or lower --rate.");
    }

    private LslBenchResult Measure(LslConfig config, Action<string> progress)
    {
        var name = "pipeline-bench-" + Guid.NewGuid().ToString("N")[..8];
        var info = new StreamInfo(name, "Bench", _s.Channels, _s.Rate, ChannelFormat.Float32, name);
        StreamOutlet outlet;
        try { outlet = new StreamOutlet(info, maxBuffered: BufferSeconds, config: config); }
        catch (Exception e) when (e is SocketException or LslException)
        {
            throw new PipelineException($"The benchmark could not open its loopback LSL outlet ({e.Message.TrimEnd('.')}); free a UDP/TCP port on 127.0.0.1 or retry.", e);
        }
        using (outlet)
        {
            // The outlet is ours: the inlet connects to its ports on 127.0.0.1 directly, no discovery on any network.
            var target = outlet.Info.Clone();
            target.V4Address = "127.0.0.1";
            using var inlet = new StreamInlet(target, maxBuflen: BufferSeconds, config: config);
            try
            {
                inlet.OpenStream(5);
                if (!outlet.WaitForConsumers(5)) throw new TimeoutException("the outlet saw no consumer");
            }
            catch (TimeoutException e)
            {
                throw new PipelineException($"The benchmark's inlet could not connect to its own outlet on 127.0.0.1 within 5 s ({e.Message.TrimEnd('.')}); retry, or check that nothing blocks loopback TCP.", e);
            }
            progress(string.Create(CultureInfo.InvariantCulture, $"connected over 127.0.0.1 (data port {target.V4DataPort}, service port {target.V4ServicePort}, protocol {Math.Min(110, config.UseProtocolVersion)}, session '{config.SessionId}'); pushing {_s.Channels} x {_s.Rate:G} Hz float32 for {_s.Seconds:G} s in chunks of {_s.Chunk}"));
            return Drive(outlet, inlet, progress);
        }
    }

    private LslBenchResult Drive(StreamOutlet outlet, StreamInlet inlet, Action<string> progress)
    {
        var puller = new Thread(() => Guard(() => Pull(inlet))) { IsBackground = true, Name = "lsl bench puller" };
        puller.Start();
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var poolStart = ThreadPool.CompletedWorkItemCount;
        var wallStart = Stopwatch.GetTimestamp();
        var pusher = new Thread(() => Guard(() => Push(outlet))) { IsBackground = true, Name = "lsl bench pusher" };
        pusher.Start();

        // Time correction, sampled while the data flows: each new estimate (the background refresh) counts once.
        var offsets = new List<double>();
        var uncertainties = new List<double>();
        var lastRemote = double.NaN;
        var nextReport = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        while (!pusher.Join(250))
        {
            try
            {
                var c = inlet.TimeCorrection(out var remote, out var uncertainty, 2);
                if (remote != lastRemote)
                {
                    lastRemote = remote;
                    offsets.Add(Math.Abs(c) * 1000);
                    uncertainties.Add(uncertainty * 1000);
                }
            }
            catch (TimeoutException) { } // no estimate yet: counted as none
            if (Stopwatch.GetTimestamp() >= nextReport)
            {
                progress(string.Create(CultureInfo.InvariantCulture, $"  {Stopwatch.GetElapsedTime(wallStart).TotalSeconds:F0} s: {Volatile.Read(ref _received)} received of {Volatile.Read(ref _pushed)} pushed"));
                nextReport += Stopwatch.Frequency * 10;
            }
        }
        var wall = Stopwatch.GetElapsedTime(wallStart).TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        var poolItems = ThreadPool.CompletedWorkItemCount - poolStart;
        if (!puller.Join(TimeSpan.FromSeconds(5))) Volatile.Write(ref _stopPuller, 1);
        puller.Join(TimeSpan.FromSeconds(2));
        if (_failure is not null) throw new InvalidOperationException($"The benchmark's {(_failure is LslException ? "stream" : "thread")} failed: {_failure.Message}", _failure);

        var latency = _latency.AsSpan(0, _latencyCount);
        latency.Sort();
        var late = _pushLate.AsSpan(0, (int)Math.Min(_pushLate.Length, Volatile.Read(ref _pushed) / _s.Chunk));
        late.Sort();
        offsets.Sort();
        uncertainties.Sort();
        var received = Volatile.Read(ref _received);
        return new LslBenchResult
        {
            Settings = _s,
            PushSeconds = _pushSeconds,
            Pushed = Volatile.Read(ref _pushed),
            Received = received,
            Lost = _lost + Math.Max(0, Volatile.Read(ref _pushed) - _nextExpected),
            Gaps = _gaps,
            DuplicatesOrReordered = _dupes,
            Corrupt = _corrupt,
            InletDropped = inlet.DroppedSamples,
            LatencyP50 = LatencyRecorder.QuantileOfSorted(latency, 0.5),
            LatencyP95 = LatencyRecorder.QuantileOfSorted(latency, 0.95),
            LatencyP99 = LatencyRecorder.QuantileOfSorted(latency, 0.99),
            LatencyMax = LatencyRecorder.QuantileOfSorted(latency, 1),
            PushLateP50 = LatencyRecorder.QuantileOfSorted(late, 0.5),
            PushLateP99 = LatencyRecorder.QuantileOfSorted(late, 0.99),
            PushLateMax = LatencyRecorder.QuantileOfSorted(late, 1),
            CpuPercentOfOneCore = 100 * cpu / wall,
            CpuPercentOfMachine = 100 * cpu / wall / Environment.ProcessorCount,
            ProcessorCount = Environment.ProcessorCount,
            ThreadPoolItemsPerSecond = poolItems / wall,
            TimeCorrectionEstimates = offsets.Count,
            TimeCorrectionErrorP50 = LatencyRecorder.QuantileOfSorted(offsets.ToArray(), 0.5),
            TimeCorrectionErrorMax = LatencyRecorder.QuantileOfSorted(offsets.ToArray(), 1),
            TimeCorrectionUncertaintyP50 = LatencyRecorder.QuantileOfSorted(uncertainties.ToArray(), 0.5),
            TimeCorrectionUncertaintyMax = LatencyRecorder.QuantileOfSorted(uncertainties.ToArray(), 1),
            PullBytesPerSample = _pullBytesPerSample,
            PushBytesPerChunk = _pushBytesPerChunk,
        };
    }

    private void Guard(Action body)
    {
        try { body(); }
        catch (Exception e)
        {
            _failure ??= e;
            Volatile.Write(ref _pushedTotal, Volatile.Read(ref _pushed)); // let the puller stop
        }
    }

    /// <summary>
    /// One chunk every Chunk/Rate s on absolute due times (lateness never accumulates into drift): sleep while more
    /// than half a millisecond is left, spin the rest; a late pusher catches up by pushing the due chunks at once.
    /// Each sample is stamped with the local clock at its push, so pull time minus timestamp is the transport alone.
    /// </summary>
    private void Push(StreamOutlet outlet)
    {
        var c = _s.Channels;
        var data = new float[_s.Chunk * c];
        var stamps = new double[_s.Chunk];
        var ticksPerChunk = Stopwatch.Frequency * _s.Chunk / _s.Rate;
        var spinTicks = Stopwatch.Frequency / 2000; // 0.5 ms
        var chunks = _s.TotalChunks;
        // Steady state once the outlet's queue (BufferSeconds, its pages allocated as first written) has wrapped, or half-way on shorter runs.
        var steadyChunk = Math.Min(chunks / 2, (long)Math.Ceiling(_s.Rate * (BufferSeconds + 1) / _s.Chunk));
        long steadyBytes = 0;
        var start = Stopwatch.GetTimestamp();
        long index = 0;
        for (long k = 0; k < chunks; k++)
        {
            var due = start + (long)(k * ticksPerChunk);
            while (true)
            {
                var left = due - Stopwatch.GetTimestamp();
                if (left <= 0) break;
                if (left > spinTicks) Thread.Sleep(1);
                else
                {
                    var spin = new SpinWait();
                    while (Stopwatch.GetTimestamp() < due) spin.SpinOnce(sleep1Threshold: -1);
                }
            }
            if (k == steadyChunk) steadyBytes = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < _s.Chunk; i++, index++)
            {
                var row = data.AsSpan(i * c, c);
                row[0] = index;
                for (var ch = 1; ch < c; ch++) row[ch] = Pattern(index, ch);
            }
            var now = Stopwatch.GetTimestamp();
            stamps.AsSpan().Fill(LslClock.FromTicks(now));
            outlet.PushChunk(data, stamps);
            _pushLate[k] = (now - due) * 1000.0 / Stopwatch.Frequency;
            Volatile.Write(ref _pushed, index);
        }
        _pushSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (chunks - steadyChunk > 1) _pushBytesPerChunk = (GC.GetAllocatedBytesForCurrentThread() - steadyBytes) / (double)(chunks - steadyChunk);
        Volatile.Write(ref _pushedTotal, index);
    }

    /// <summary>
    /// Pulls whatever is buffered, checks each sample's index (contiguous, no duplicate, no reorder) and pattern, and
    /// records its latency; stops once the pushed total arrived, or 5 s after the pusher finished.
    /// </summary>
    private void Pull(StreamInlet inlet)
    {
        var c = _s.Channels;
        var capacity = Math.Max(_s.Chunk * 4, 1024);
        var data = new float[capacity * c];
        var stamps = new double[capacity];
        var steadyAfter = (long)Math.Min(_s.Rate, _s.TotalSamples / 2); // one second in
        long steadyBytes = -1, steadySamples = 0;
        while (Volatile.Read(ref _stopPuller) == 0)
        {
            var n = inlet.PullChunk(data, stamps, 0.1);
            var now = LslClock.LocalClock();
            for (var i = 0; i < n; i++)
            {
                var row = data.AsSpan(i * c, c);
                var index = (long)row[0];
                if (index == _nextExpected) _nextExpected++;
                else if (index > _nextExpected) { _lost += index - _nextExpected; _gaps++; _nextExpected = index + 1; }
                else _dupes++;
                for (var ch = 1; ch < c; ch++)
                {
                    if (row[ch] != Pattern(index, ch)) { _corrupt++; break; }
                }
                if (_latencyCount < _latency.Length) _latency[_latencyCount++] = (now - stamps[i]) * 1000;
            }
            var received = Volatile.Read(ref _received) + n;
            Volatile.Write(ref _received, received);
            if (steadyBytes < 0 && received >= steadyAfter) { steadyBytes = GC.GetAllocatedBytesForCurrentThread(); steadySamples = received; }
            var total = Volatile.Read(ref _pushedTotal);
            if (total >= 0 && _nextExpected >= total) break;
        }
        if (steadyBytes >= 0 && _received > steadySamples)
            _pullBytesPerSample = (GC.GetAllocatedBytesForCurrentThread() - steadyBytes) / (double)(_received - steadySamples);
    }
}
