using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pipeline.Lsl;

namespace Pipeline.Tests.Lsl;

/// <summary>
/// The inlet's clock-offset estimate against a real UDP peer on loopback that answers time probes the way an outlet
/// does (wave, t0, its receive time t1, its send time t2), with a clock that runs a known amount ahead of ours.
/// </summary>
public sealed class TimeCorrectionEstimatorTests
{
    /// <summary>A time-probe responder whose clock is <paramref name="ahead"/> seconds ahead; answers garbage when asked to.</summary>
    private sealed class ProbeResponder : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Thread _thread;
        private volatile bool _stop;

        public ProbeResponder(double ahead, bool garbage = false)
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _socket.ReceiveTimeout = 100;
            _thread = new Thread(() =>
            {
                var buffer = new byte[1024];
                while (!_stop)
                {
                    EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                    int n;
                    try { n = _socket.ReceiveFrom(buffer, ref from); }
                    catch (SocketException) { continue; }
                    var t1 = LslClock.LocalClock() + ahead;
                    var lines = Encoding.ASCII.GetString(buffer, 0, n).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
                    Probes.Enqueue(lines[0]);
                    var fields = lines[1].Split(' ');
                    var t2 = LslClock.LocalClock() + ahead;
                    var reply = garbage ? $"{fields[0]} not-a-number x y" : string.Create(CultureInfo.InvariantCulture, $"{fields[0]} {fields[1]} {t1:R} {t2:R}");
                    _socket.SendTo(Encoding.ASCII.GetBytes(reply), from);
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;
        public ConcurrentQueue<string> Probes { get; } = new();

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
            _socket.Dispose();
        }
    }

    private static LslConfig Fast() => new() { TimeProbeCount = 4, TimeProbeInterval = 0.01, TimeProbeMaxRtt = 0.2, TimeUpdateMinProbes = 3, TimeUpdateInterval = 0.2 };

    [Fact]
    public void Estimates_the_offset_of_a_peer_clock_ahead_of_ours_from_the_fastest_probe()
    {
        using var peer = new ProbeResponder(ahead: 1.5);
        var log = new ConcurrentQueue<string>();
        using var estimator = new TimeCorrectionEstimator(Fast(), () => peer.EndPoint, log.Enqueue);
        Assert.False(estimator.TryGet(out _, out _, out _));
        estimator.Start();
        Assert.True(estimator.WaitForEstimate(10), "no estimate within 10 s");
        Assert.True(estimator.TryGet(out var correction, out var remote, out var uncertainty));
        // The correction is what to add to the peer's timestamps to get ours; the uncertainty is the winning round trip,
        // and an NTP-style estimate is off by at most half of it (how unevenly the two legs were delayed). A fixed
        // 5 ms tolerance failed on a loaded machine, where even the fastest of 4 probes took over 20 ms.
        Assert.InRange(uncertainty, 0, 0.2);
        Assert.InRange(correction, -1.5 - uncertainty / 2 - 1e-4, -1.5 + uncertainty / 2 + 1e-4);
        Assert.InRange(remote - LslClock.LocalClock(), 1.5 - 1, 1.5 + 0.01);
        Assert.All(peer.Probes, p => Assert.Equal("LSL:timedata", p));
        Assert.Empty(log);
    }

    [Fact]
    public void Malformed_replies_are_logged_and_give_no_estimate_and_reset_forgets_an_estimate()
    {
        using (var garbage = new ProbeResponder(ahead: 0, garbage: true))
        {
            var log = new ConcurrentQueue<string>();
            using var estimator = new TimeCorrectionEstimator(Fast(), () => garbage.EndPoint, log.Enqueue);
            estimator.Start();
            Assert.False(estimator.WaitForEstimate(0.6));
            Assert.False(estimator.TryGet(out _, out _, out _));
            Assert.Contains(log, l => l.Contains("malformed time probe reply", StringComparison.Ordinal));
        }
        using var peer = new ProbeResponder(ahead: -0.25);
        using var good = new TimeCorrectionEstimator(Fast(), () => peer.EndPoint, _ => { });
        good.Start();
        Assert.True(good.WaitForEstimate(10));
        Assert.False(good.ClockWasReset);
        good.Reset();
        Assert.True(good.ClockWasReset);
        Assert.False(good.TryGet(out _, out _, out _));
        // The next round estimates again, from the same peer.
        Assert.True(good.WaitForEstimate(10));
        Assert.True(good.TryGet(out var correction, out _, out _));
        Assert.Equal(0.25, correction, 2);
    }
}
