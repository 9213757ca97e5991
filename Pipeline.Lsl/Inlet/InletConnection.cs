using System.Net;
using System.Net.Sockets;

namespace Pipeline.Lsl;

/// <summary>
/// Where an inlet's outlet is and what became of it (liblsl's <c>inlet_connection</c>): the stream info with its
/// current endpoints, the outage and recovery bookkeeping, and re-resolving the stream by its identifying fields after
/// a loss. Shared by the data receiver, the info receiver and the time receiver, which only read endpoints from it.
/// </summary>
internal sealed class InletConnection
{
    private readonly StreamInfo _info;
    private readonly object _gate = new();
    private readonly Action<string> _log;
    private volatile bool _lost;
    private volatile string? _lostReason;
    private int _recoveries;
    private int _outages;
    private bool _everConnected;
    private bool _down;
    private double _lostAt;
    private string _lostUid = "";

    public InletConnection(StreamInfo info, LslConfig config, bool recover, Func<StreamInfo, bool>? accept = null)
    {
        Accept = accept;
        _info = info.Clone();
        Config = config;
        _log = config.Log ?? (_ => { });
        Name = info.Name;
        Format = info.ChannelFormat;
        ChannelCount = info.ChannelCount;
        NominalSrate = info.NominalSrate;
        SourceId = info.SourceId;
        CanRecover = recover && info.SourceId.Length > 0;
    }

    public LslConfig Config { get; }
    public string Name { get; }
    public ChannelFormat Format { get; }
    public int ChannelCount { get; }
    public double NominalSrate { get; }
    public string SourceId { get; }

    /// <summary>Which outlets recovery may reconnect to (asked at every answer), or null for any that matches.</summary>
    public Func<StreamInfo, bool>? Accept { get; }

    /// <summary>Recovery is on and the stream has a source id to be found again by.</summary>
    public bool CanRecover { get; }

    /// <summary>The stream is lost for good.</summary>
    public bool IsLost => _lost;
    public string? LostReason => _lostReason;
    public int RecoveryCount => Volatile.Read(ref _recoveries);
    public int OutageCount => Volatile.Read(ref _outages);

    /// <summary>Raised on the receiving thread after a loss, with its reason.</summary>
    public event Action<InletOutage>? Lost;

    /// <summary>Raised on the receiving thread when the feed resumed after an outage.</summary>
    public event Action<InletRecovery>? Recovered;

    /// <summary>Raised on the receiving thread when the outlet changed (a new uid): its clock must be measured anew.</summary>
    public event Action? OutletChanged;

    public StreamInfo Snapshot() { lock (_gate) return _info.Clone(); }

    public (IPAddress Address, int Port, string Uid) DataEndpoint()
    {
        lock (_gate)
        {
            if (!IPAddress.TryParse(_info.V4Address, out var a)) a = IPAddress.Loopback;
            // liblsl's placeholder for unresolved infos: port 49999 on loopback fails and leads into recovery.
            return (a, _info.V4DataPort > 0 ? _info.V4DataPort : 49999, _info.Uid);
        }
    }

    public IPEndPoint? ServiceEndpoint()
    {
        lock (_gate)
        {
            if (!IPAddress.TryParse(_info.V4Address, out var a) || _info.V4ServicePort <= 0) return null;
            return new IPEndPoint(a, _info.V4ServicePort);
        }
    }

    /// <summary>A TCP connection to the outlet, bounded by <paramref name="timeoutSeconds"/>.</summary>
    public static Socket Connect(IPAddress address, int port, double timeoutSeconds)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // A blocking connect bounded by SO_SNDTIMEO (Linux honours it for connect): an async connect would leave the
                // socket in .NET's emulated-blocking mode, where every blocking read of the feed hops through epoll and the
                // thread pool (`pipeline lsl bench`, 64 ch x 10 kHz in 1 ms chunks: 63 % of a core, 28 % with this).
                socket.SendTimeout = (int)Math.Clamp(timeoutSeconds * 1000, 1, int.MaxValue);
                socket.Connect(new IPEndPoint(address, port));
                socket.SendTimeout = 0;
                return socket;
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
            socket.ConnectAsync(new IPEndPoint(address, port), cts.Token).AsTask().GetAwaiter().GetResult();
            return socket;
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The feed to <paramref name="uid"/> passed its handshake: counts and reports a recovery if one was due.</summary>
    public void Connected(string uid, double lastTimestampBefore)
    {
        InletRecovery? recovery = null;
        lock (_gate)
        {
            if (_everConnected && _down)
                recovery = new InletRecovery(_lostUid, uid, lastTimestampBefore, _lostAt, LslClock.LocalClock());
            _everConnected = true;
            _down = false;
        }
        if (recovery is null) return;
        Interlocked.Increment(ref _recoveries);
        _log($"LSL inlet '{Name}': resumed after {recovery.Outage:F3} s (uid {recovery.PreviousUid} -> {recovery.NewUid}); samples pushed meanwhile are missing.");
        try { Recovered?.Invoke(recovery); }
        catch (Exception e) { _log($"LSL inlet '{Name}': a Recovered handler threw ({e.GetType().Name}: {e.Message})."); }
    }

    /// <summary>
    /// A feed (or an attempt at one) ended. The first end after a connection starts an outage, reported once; further
    /// failed attempts belong to the same outage. Without recovery the stream is lost for good.
    /// </summary>
    public void Disconnected(string uid, string reason, double lastTimestampBefore, bool wasConnected)
    {
        InletOutage? outage = null;
        lock (_gate)
        {
            if (!_down && (wasConnected || _everConnected))
            {
                _down = true;
                _lostAt = LslClock.LocalClock();
                _lostUid = uid;
                outage = new InletOutage(uid, reason, lastTimestampBefore, _lostAt);
            }
        }
        if (!CanRecover)
        {
            _lostReason = reason;
            _lost = true;
        }
        if (outage is null) return;
        Interlocked.Increment(ref _outages);
        try { Lost?.Invoke(outage); }
        catch (Exception e) { _log($"LSL inlet '{Name}': a Lost handler threw ({e.GetType().Name}: {e.Message})."); }
    }

    /// <summary>Finds the stream again (same source id, name, type, shape); false when <paramref name="cancel"/> fired.</summary>
    public bool Recover(CancellationToken cancel)
    {
        var resolver = new StreamResolver(Config);
        string query;
        lock (_gate) query = StreamResolver.RecoveryQuery(_info);
        while (!cancel.IsCancellationRequested)
        {
            IReadOnlyList<StreamInfo> found;
            // An outlet the owner refuses (its own output, opened meanwhile with the same identity) is never reconnected to.
            try { found = resolver.ResolveQuery(query, 1, Math.Max(0.5, Config.MulticastMinRtt * 2), cancel, Accept); }
            catch (Exception e) when (e is SocketException or LslException)
            {
                _log($"LSL inlet '{Name}': recovery resolve failed ({e.Message}).");
                found = [];
            }
            if (cancel.IsCancellationRequested) return false;
            string currentUid;
            lock (_gate) currentUid = _info.Uid;
            if (found.Any(f => f.Uid == currentUid))
            {
                cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(0.25)); // same outlet still there: transient error; retry it
                return true;
            }
            var fresh = found.Where(f => f.Uid != currentUid).ToList();
            if (fresh.Count == 1)
            {
                var f = fresh[0];
                lock (_gate)
                {
                    _info.Uid = f.Uid;
                    _info.V4Address = f.V4Address;
                    _info.V4DataPort = f.V4DataPort;
                    _info.V4ServicePort = f.V4ServicePort;
                    _info.Version = f.Version;
                    _info.CreatedAt = f.CreatedAt;
                    _info.Hostname = f.Hostname;
                    _info.SessionId = f.SessionId;
                }
                OutletChanged?.Invoke();
                return true;
            }
            if (fresh.Count > 1) _log($"LSL inlet '{Name}': {fresh.Count} streams match '{query}'; waiting until exactly one does.");
        }
        return false;
    }
}
