using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Lsl;

/// <summary>
/// Clock offset to one outlet by NTP-style UDP probes (liblsl's time receiver): rounds of <c>TimeProbeCount</c> probes
/// <c>TimeProbeInterval</c> apart, the reply with the smallest round trip wins, repeated every <c>TimeUpdateInterval</c>.
/// The latest estimate is published as one immutable <see cref="TimeEstimate"/>, so readers (every pulled sample
/// with clock sync on) take no lock.
/// </summary>
internal sealed class TimeCorrectionEstimator : IDisposable
{
    /// <summary>One estimate: valid or not, and the epoch (count of resets) it belongs to.</summary>
    internal sealed record TimeEstimate(bool Valid, double Correction, double RemoteTime, double Uncertainty, int Epoch);

    private readonly LslConfig _config;
    private readonly Func<IPEndPoint?> _target;
    private readonly Action<string> _log;
    private readonly object _gate = new();
    private readonly ManualResetEventSlim _firstEstimate = new(false);
    private readonly CancellationTokenSource _cts = new();
    private readonly AutoResetEvent _wake = new(false);
    private Thread? _thread;
    private volatile TimeEstimate _current = new(false, 0, 0, 0, 0);

    public TimeCorrectionEstimator(LslConfig config, Func<IPEndPoint?> target, Action<string> log)
    {
        _config = config;
        _target = target;
        _log = log;
    }

    public bool ClockWasReset { get; set; }

    /// <summary>The latest estimate, if any (correction to add to remote timestamps).</summary>
    public bool TryGet(out double correction, out double remoteTime, out double uncertainty)
    {
        var e = _current;
        correction = e.Correction;
        remoteTime = e.RemoteTime;
        uncertainty = e.Uncertainty;
        return e.Valid;
    }

    /// <summary>The latest estimate (lock-free read).</summary>
    public TimeEstimate Current => _current;

    /// <summary>Starts the background rounds (idempotent).</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_thread is not null) return;
            _thread = new Thread(Run) { IsBackground = true, Name = "LSL time correction" };
            _thread.Start();
        }
    }

    public bool WaitForEstimate(double timeoutSeconds) =>
        _firstEstimate.Wait(TimeSpan.FromSeconds(Math.Clamp(timeoutSeconds, 0, int.MaxValue / 1000.0)));

    /// <summary>Forgets the estimate (the outlet changed after a recovery) and measures the new one at once.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _current = _current with { Valid = false, Epoch = _current.Epoch + 1 };
            ClockWasReset = true;
        }
        _firstEstimate.Reset();
        _wake.Set();
    }

    private void Run()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Any, 0));
            var random = new Random();
            var buffer = new byte[1024];
            while (!_cts.IsCancellationRequested)
            {
                var target = _target();
                if (target is not null) Round(socket, target, random.Next(), buffer);
                WaitHandle.WaitAny([_cts.Token.WaitHandle, _wake], TimeSpan.FromSeconds(_config.TimeUpdateInterval));
            }
        }
        catch (ObjectDisposedException) { }
        catch (Exception e)
        {
            _log($"LSL inlet: time correction stopped after an internal error ({e.GetType().Name}: {e.Message}).");
        }
    }

    private void Round(Socket socket, IPEndPoint target, int wave, byte[] buffer)
    {
        var count = Math.Max(1, _config.TimeProbeCount);
        var start = LslClock.LocalClock();
        var end = start + _config.TimeProbeMaxRtt + count * _config.TimeProbeInterval;
        var waveText = wave.ToString(CultureInfo.InvariantCulture);
        var epoch = _current.Epoch;
        var sent = 0;
        var replies = 0;
        var bestRtt = double.MaxValue;
        double bestOffset = 0, bestRemote = 0;
        while (!_cts.IsCancellationRequested)
        {
            var now = LslClock.LocalClock();
            if (now >= end) break;
            if (sent < count && now >= start + sent * _config.TimeProbeInterval)
            {
                var t0 = LslClock.LocalClock();
                try { socket.SendTo(Encoding.ASCII.GetBytes($"LSL:timedata\r\n{waveText} {LslNumber.Probe(t0)}\r\n"), target); }
                catch (SocketException) { } // the outlet may be gone; unanswered probes only mean no estimate this round
                sent++;
                continue;
            }
            var next = sent < count ? start + sent * _config.TimeProbeInterval : end;
            var micro = (int)Math.Clamp((next - now) * 1e6, 100, 100_000);
            try
            {
                if (!socket.Poll(micro, SelectMode.SelectRead)) continue;
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                var n = socket.ReceiveFrom(buffer, ref from);
                var t3 = LslClock.LocalClock();
                var parts = Encoding.ASCII.GetString(buffer, 0, n).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 4 || parts[0] != waveText) continue;
                if (!LslNumber.TryParse(parts[1], out var t0) || !LslNumber.TryParse(parts[2], out var t1) || !LslNumber.TryParse(parts[3], out var t2))
                {
                    _log($"LSL inlet: ignored a malformed time probe reply from {from}.");
                    continue;
                }
                var rtt = (t3 - t0) - (t2 - t1);
                var offset = ((t1 - t0) + (t2 - t3)) / 2;
                replies++;
                if (rtt < bestRtt) { bestRtt = rtt; bestOffset = offset; bestRemote = (t1 + t2) / 2; }
            }
            catch (SocketException) { }
        }
        if (replies < Math.Min(_config.TimeUpdateMinProbes, count)) return;
        lock (_gate)
        {
            // A round that began before a reset measured the old outlet: the next round measures the new one.
            if (_current.Epoch != epoch) return;
            _current = new TimeEstimate(true, -bestOffset, bestRemote, bestRtt, epoch);
        }
        _firstEstimate.Set();
    }

    public void Dispose()
    {
        _cts.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(2));
        _wake.Dispose();
    }
}
