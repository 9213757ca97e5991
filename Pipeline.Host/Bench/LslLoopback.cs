using System.Net;
using System.Net.Sockets;
using Pipeline.Lsl;

namespace Pipeline.Host.Bench;

/// <summary>LSL settings that keep every packet on 127.0.0.1: discovery multicast sent and joined on loopback with TTL 0.</summary>
internal static class LslLoopback
{
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
