using System.Collections.Concurrent;
using System.Diagnostics;
using Pipeline.Lsl;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Lsl;

namespace Pipeline.Tests.Cli;

/// <summary>The amplifier's process is killed (SIGKILL) mid-stream and started again: the inlet must come back.</summary>
public class LslProcessKillTests
{
    private static Process StartAmplifier(string cfg)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = SharedData.RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "pipeline.dll"), "replay", "recordings/demo-mi.xdf", "--to-lsl", "--wait", "0", "--lsl-config", cfg })
            start.ArgumentList.Add(a);
        var p = Process.Start(start)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    [Fact]
    public async Task Inlet_resumes_within_3_s_of_a_killed_outlet_process_being_up_again_without_duplicates_or_reordering()
    {
        using var cfgFile = new TempPath(".cfg");
        File.WriteAllText(cfgFile.Path, LslTestSupport.LoopbackConfigFileText());
        var config = LslConfig.FromFile(cfgFile.Path);
        var first = StartAmplifier(cfgFile.Path);
        Process? second = null;
        try
        {
            var found = LSL.ResolveByPred("type='EEG'", 1, 30, config);
            Assert.NotEmpty(found);
            using var inlet = new StreamInlet(found[0], config: config);
            var recoveries = new ConcurrentQueue<InletRecovery>();
            inlet.Recovered += recoveries.Enqueue;
            inlet.OpenStream(10);
            var sample = new float[22];
            var stamps = new List<double>();
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(3))
                if (inlet.PullSample(sample, 0.2) is var t and not 0.0) stamps.Add(t);
            Assert.True(stamps.Count > 300, $"only {stamps.Count} samples before the kill");

            first.Kill(); // SIGKILL: no goodbye on the socket
            first.WaitForExit();
            var killedAt = LslClock.LocalClock();
            second = StartAmplifier(cfgFile.Path);
            // The restarted outlet is up when a resolver finds a stream with a new uid. Starting a dotnet process takes
            // from 1 s to many seconds on a loaded machine, which is not the inlet's doing: the inlet is clocked from here.
            var firstUid = found[0].Uid;
            var upAt = Task.Run(() =>
            {
                var deadline = LslClock.LocalClock() + 30;
                while (LslClock.LocalClock() < deadline)
                    if (LSL.ResolveByPred("type='EEG'", 1, 0.5, config).Any(s => s.Uid != firstUid)) return LslClock.LocalClock();
                return double.NaN;
            });
            var before = stamps.Count;
            watch.Restart();
            double resumedAt = double.NaN;
            while (watch.Elapsed < TimeSpan.FromSeconds(40) && (double.IsNaN(resumedAt) || LslClock.LocalClock() - resumedAt < 1))
            {
                if (inlet.PullSample(sample, 0.2) is var t and not 0.0)
                {
                    stamps.Add(t);
                    // Samples still buffered from the killed process are pulled first; the resumption is the restarted one's.
                    if (double.IsNaN(resumedAt) && inlet.RecoveryCount > 0 && stamps.Count > before) resumedAt = LslClock.LocalClock();
                }
            }
            Assert.False(double.IsNaN(resumedAt), "no sample arrived after the restart");
            // The inlet must be back within 3 s of the restarted outlet being discoverable (a resolve takes up to 0.5 s
            // of that, so the bound is loose by that much at most).
            var up = await upAt;
            Assert.False(double.IsNaN(up), "the restarted outlet was never found");
            Assert.True(resumedAt - up < 3, $"resumed {resumedAt - up:F2} s after the restarted outlet was up ({resumedAt - killedAt:F2} s after the kill)");
            Assert.Single(recoveries);
            // The reported gap starts at the last sample the first process delivered (some were still buffered in the
            // inlet when it was killed, so it need not be the last one pulled before the kill) and the next sample is
            // from the restarted process, after the outage.
            Assert.True(recoveries.TryPeek(out var gap));
            var lastOfFirst = stamps.IndexOf(gap.LastTimestampBefore);
            Assert.True(lastOfFirst >= before - 1 && lastOfFirst < stamps.Count - 1, $"gap at {gap.LastTimestampBefore} not among the pulled samples");
            Assert.True(stamps[lastOfFirst + 1] - stamps[lastOfFirst] > 0.1, "no gap between the two processes' samples");
            for (var i = 1; i < stamps.Count; i++) Assert.True(stamps[i] > stamps[i - 1], $"sample {i} is not after sample {i - 1}");
        }
        finally
        {
            if (!first.HasExited) first.Kill();
            if (second is { HasExited: false }) second.Kill();
            first.Dispose();
            second?.Dispose();
        }
    }
}
