using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Host.Bench;

/// <summary>
/// One side of a two-process LSL benchmark (<c>pipeline lsl bench --role outlet|inlet</c>), doing exactly what
/// bench/lsl-peer.cpp does with liblsl, so our outlet and inlet can be run against liblsl's and each other
/// (bench/lsl-vs-liblsl.sh). Outlet: waits for a consumer, pushes a chunk every Chunk/Rate s on absolute due times
/// (channel 0 = the sample's index, channel k = (index % 1024) * 128 + k, every sample stamped with the LSL clock at
/// its push). Inlet: resolves the stream by name, blocks in PullSample (0.5 s) for one sample and takes what else is
/// buffered with PullChunk (timeout 0), checks order and pattern, and records pull time minus timestamp.
/// </summary>
internal static class LslPeer
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The result line both implementations print: <c>result key=value ...</c>.</summary>
    public static string Run(string role, string name, LslBenchSettings s, LslConfig config) => role switch
    {
        "outlet" => RunOutlet(name, s, config),
        "inlet" => RunInlet(name, s, config),
        _ => throw new PipelineException($"--role {role} is not a benchmark role; give outlet or inlet."),
    };

    private static string RunOutlet(string name, LslBenchSettings s, LslConfig config)
    {
        var c = s.Channels;
        // The libraries' defaults on both sides (360 s buffered), as bench/lsl-peer.cpp uses liblsl's.
        using var outlet = new StreamOutlet(new StreamInfo(name, "Bench", c, s.Rate, ChannelFormat.Float32, name), config: config);
        if (!outlet.WaitForConsumers(30)) throw new PipelineException($"No inlet connected to '{name}' within 30 s; start the other side of the benchmark.");
        var data = new float[s.Chunk * c];
        var stamps = new double[s.Chunk];
        var ticksPerChunk = Stopwatch.Frequency * s.Chunk / s.Rate;
        var start = Stopwatch.GetTimestamp();
        long index = 0;
        for (long k = 0; k < s.TotalChunks; k++)
        {
            var due = start + (long)(k * ticksPerChunk);
            while (Stopwatch.GetTimestamp() < due) Thread.Sleep(1); // like sleep_until: never early, late by the timer's slack
            for (var i = 0; i < s.Chunk; i++, index++)
            {
                var row = data.AsSpan(i * c, c);
                row[0] = index;
                for (var ch = 1; ch < c; ch++) row[ch] = LslLoopbackBench.Pattern(index, ch);
            }
            stamps.AsSpan().Fill(LslClock.LocalClock());
            outlet.PushChunk(data, stamps);
        }
        Thread.Sleep(2000); // the consumer drains before the connection closes
        return Result("outlet", index, 0, 0, 0, []);
    }

    private static string RunInlet(string name, LslBenchSettings s, LslConfig config)
    {
        var found = LSL.ResolveByProp("name", name, 1, 30, config);
        if (found.Count == 0) throw new PipelineException($"The stream '{name}' did not answer within 30 s; start the other side of the benchmark.");
        using var inlet = new StreamInlet(found[0], config: config);
        inlet.OpenStream(30);
        var c = s.Channels;
        var total = s.TotalSamples;
        var capacity = Math.Max(s.Chunk * 4, 1024);
        var data = new float[capacity * c];
        var stamps = new double[capacity];
        var latency = new double[total];
        long next = 0, received = 0, lost = 0, dupes = 0, corrupt = 0, latencies = 0;
        var lastData = LslClock.LocalClock();
        while (next < total && LslClock.LocalClock() - lastData < 5)
        {
            var ts = inlet.PullSample(data.AsSpan(0, c), 0.5);
            if (ts == 0.0) continue;
            stamps[0] = ts;
            var n = 1 + inlet.PullChunk(data.AsSpan(c), stamps.AsSpan(1), 0.0);
            var now = LslClock.LocalClock();
            lastData = now;
            for (var i = 0; i < n; i++)
            {
                var row = data.AsSpan(i * c, c);
                var index = (long)row[0];
                if (index == next) next++;
                else if (index > next) { lost += index - next; next = index + 1; }
                else dupes++;
                for (var ch = 1; ch < c; ch++)
                    if (row[ch] != LslLoopbackBench.Pattern(index, ch)) { corrupt++; break; }
                if (latencies < latency.Length) latency[latencies++] = (now - stamps[i]) * 1000;
            }
            received += n;
        }
        lost += total - next;
        return Result("inlet", received, lost, dupes, corrupt, latency[..(int)latencies]);
    }

    private static string Result(string role, long samples, long lost, long dupes, long corrupt, double[] latency)
    {
        using var self = Process.GetCurrentProcess();
        Array.Sort(latency);
        double Q(double p) => latency.Length == 0 ? -1 : latency[Math.Min(latency.Length - 1, (int)(p * (latency.Length - 1) + 0.5))];
        return string.Create(Inv, $"result role={role} impl=ours samples={samples} lost={lost} dupes={dupes} corrupt={corrupt} " +
            $"user_s={self.UserProcessorTime.TotalSeconds:F3} sys_s={self.PrivilegedProcessorTime.TotalSeconds:F3} maxrss_kib={PeakRssKib()} " +
            $"lat_p50_ms={Q(0.5):F3} lat_p99_ms={Q(0.99):F3} lat_max_ms={Q(1):F3} " +
            $"gc0={GC.CollectionCount(0)} gc1={GC.CollectionCount(1)} gc2={GC.CollectionCount(2)} allocated_mb={GC.GetTotalAllocatedBytes() / 1048576.0:F1}");
    }

    /// <summary>The process's peak resident set (VmHWM, as getrusage's ru_maxrss), in KiB; -1 where /proc is absent.</summary>
    private static long PeakRssKib()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), Inv);
        }
        catch (IOException) { }
        return -1;
    }
}
