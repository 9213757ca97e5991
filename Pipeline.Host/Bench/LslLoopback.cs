using System.Net;
using System.Net.Sockets;
using Pipeline.Lsl;

namespace Pipeline.Host.Bench;

/// <summary>LSL settings that keep every packet on 127.0.0.1.</summary>
internal static class LslLoopback
{
    /// <summary>
    /// The user's configuration (ports, session id, protocol version, time-probe and watchdog tuning) with discovery
    /// confined to this machine: no multicast group joined or sent to, no KnownPeers, responders listening on 127.0.0.1.
    /// </summary>
    public static LslConfig Confine(LslConfig config)
    {
        var c = config.Clone();
        c.AddressesOverride = ["127.0.0.1"];
        c.TtlOverride = 0;
        c.Interfaces = ["127.0.0.1"];
        c.ListenAddress = "127.0.0.1";
        c.KnownPeers = [];
        return c;
    }

    /// <summary>
    /// Multicast 239.255.172.215 on 127.0.0.1 only, TTL 0, at a free private multicast port; OS-chosen data and
    /// service ports; a private session id so no other stream on this host can answer or be answered.
    /// </summary>
    public static LslConfig Config() => new()
    {
        IPv6 = "disable",
        ResolveScope = "site",
        AddressesOverride = ["239.255.172.215"],
        TtlOverride = 0,
        Interfaces = ["127.0.0.1"],
        KnownPeers = [],
        MulticastPort = FreeUdpPort(),
        BasePort = 1,
        PortRange = 0,
        AllowRandomPorts = true,
        MulticastMinRtt = 0.1,
        TimeUpdateInterval = 1.0,
        SessionId = "pipeline-bench-" + Guid.NewGuid().ToString("N")[..8],
    };

    /// <summary>A UDP port free on 127.0.0.1 right now.</summary>
    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
