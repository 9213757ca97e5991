using System.Collections.Concurrent;
using System.Diagnostics;
using Pipeline.Lsl;

namespace Pipeline.Tests.Lsl;

/// <summary>
/// Clock sync across a recovery, with an outlet that plays a machine whose clock is 1000 s ahead (its timestamps and its
/// answers to time probes both on that clock): every pulled timestamp must land on this host's clock, also in the
/// seconds after a reconnect while the new outlet's offset is still being measured.
/// </summary>
public sealed class InletRecoveryClockTests
{
    private const double Shift = 1000;

    [Fact]
    public void Timestamps_stay_clock_corrected_right_after_a_reconnect_while_the_new_estimate_is_pending()
    {
        var config = LslTestSupport.LoopbackConfig();
        // Slow probe rounds (about 3.3 s): the new outlet's estimate cannot exist yet when its first samples arrive.
        config.TimeProbeInterval = 0.4;
        var info = new StreamInfo(LslTestSupport.UniqueName("clk"), "EEG", 1, 100, ChannelFormat.Double64, "clk-src-" + Guid.NewGuid().ToString("N")[..6]);
        var outletA = new StreamOutlet(info, config: config) { ClockShift = Shift };
        var found = Assert.Single(LSL.ResolveByProp("name", info.Name, 1, 3.0, config));
        using var inlet = new StreamInlet(found, processing: ProcessingOptions.ClockSync, config: config);
        var outages = new ConcurrentQueue<InletOutage>();
        var recoveries = new ConcurrentQueue<InletRecovery>();
        inlet.Interrupted += outages.Enqueue;
        inlet.Recovered += recoveries.Enqueue;
        inlet.OpenStream(3);
        Assert.True(outletA.WaitForConsumers(3));
        Assert.Equal(-Shift, inlet.TimeCorrection(10), 2);

        var sample = new double[1];
        var next = 0;
        void Push(StreamOutlet o) { o.PushSample([next], LslClock.LocalClock() + Shift); next++; }
        // Corrected timestamps: the remote stamp minus the 1000 s offset, i.e. this host's clock at the push.
        void PullCorrected(string phase)
        {
            var ts = inlet.PullSample(sample, 2.0);
            Assert.NotEqual(0.0, ts);
            var error = LslClock.LocalClock() - ts;
            Assert.True(error is > -0.01 and < 0.5, $"{phase}: sample {sample[0]} stamped {error:F3} s from the local clock");
        }
        for (var i = 0; i < 10; i++) { Push(outletA); PullCorrected("before the outage"); }

        outletA.Dispose();
        using var outletB = new StreamOutlet(info, config: config) { ClockShift = Shift };
        var watch = Stopwatch.StartNew();
        var afterResume = 0;
        while (afterResume < 20 && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            // The inlet counts the recovery once its handshake passed, which can be just before the outlet lists it as a
            // consumer; a sample pushed in between goes to nobody (as in liblsl), so measure once both sides are up.
            var up = inlet.RecoveryCount > 0 && outletB.HaveConsumers;
            Push(outletB);
            if (!up) { Thread.Sleep(10); continue; }
            PullCorrected($"{afterResume} samples after the reconnect");
            afterResume++;
        }
        Assert.Equal(20, afterResume);
        Assert.True(inlet.WasClockReset(), "the new outlet's clock must be measured anew");
        var outage = Assert.Single(outages);
        Assert.Equal(outletA.Info.Uid, outage.Uid);
        Assert.Equal(1, inlet.OutageCount);
        var recovery = Assert.Single(recoveries);
        Assert.Equal(outletB.Info.Uid, recovery.NewUid);
        Assert.Equal(outage.LostAt, recovery.LostAt);
    }
}
