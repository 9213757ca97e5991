using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Lsl;

/// <summary>
/// Clock offset to one outlet by NTP-style UDP probes (liblsl's time receiver): rounds of <c>TimeProbeCount</c> probes
/// <c>TimeProbeInterval</c> apart, the reply with the smallest round trip wins, repeated every <c>TimeUpdateInterval</c>.
/// </summary>
internal sealed class TimeCorrectionEstimator : IDisposable
{
    private readonly LslConfig _config;
    private readonly Func<IPEndPoint?> _target;
    private readonly Action<string> _log;
    private readonly object _gate = new();
    private readonly ManualResetEventSlim _firstEstimate = new(false);
    private readonly CancellationTokenSource _cts = new();
    private Thread? _thread;
    private double _correction;
    private double _uncertainty;
    private double _remoteTime;
    private bool _valid;

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
        lock (_gate)
        {
            correction = _correction;
            remoteTime = _remoteTime;
            uncertainty = _uncertainty;
            return _valid;
        }
    }

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

    /// <summary>Forgets the estimate (the outlet changed after a recovery).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _valid = false;
            ClockWasReset = true;
        }
        _firstEstimate.Reset();
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
                _cts.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(_config.TimeUpdateInterval));
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
            _correction = -bestOffset;
            _uncertainty = bestRtt;
            _remoteTime = bestRemote;
            _valid = true;
        }
        _firstEstimate.Set();
    }

    public void Dispose()
    {
        _cts.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(2));
    }
}
