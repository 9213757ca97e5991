using System.Net;
using System.Net.Sockets;
using System.Collections.Concurrent;
using Pipeline.Lsl;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Lsl;

/// <summary>Loopback-only LSL settings for tests and the location of the reference captures.</summary>
public static class LslTestSupport
{
    public static string? CaptureDirectory
    {
        get
        {
            var d = Path.GetFullPath(Path.Combine(SharedData.RepositoryRoot, "..", "shared", "lsl", "captures"));
            return Directory.Exists(d) ? d : null;
        }
    }

    public static string Capture(string name) => Path.Combine(CaptureDirectory ?? throw new InvalidOperationException("no captures"), name);

    /// <summary>
    /// Discovery confined to loopback: multicast 239.255.172.215 sent and joined on 127.0.0.1 with TTL 0 at a test-private
    /// multicast port, OS-chosen data/service ports, no broadcast, no other address.
    /// </summary>
    public static LslConfig LoopbackConfig(ConcurrentQueue<string>? log = null, int multicastPort = 0) => new()
    {
        IPv6 = "disable",
        ResolveScope = "site",
        AddressesOverride = ["239.255.172.215"],
        TtlOverride = 0,
        Interfaces = ["127.0.0.1"],
        MulticastPort = multicastPort > 0 ? multicastPort : FreeUdpPort(),
        BasePort = 1,
        PortRange = 0,
        AllowRandomPorts = true,
        MulticastMinRtt = 0.1,
        TimeUpdateInterval = 0.5,
        Log = log is null ? null : log.Enqueue,
    };

    /// <summary>
    /// The same loopback-only settings as an lsl_api.cfg file, for tests that start the pipeline program as a child
    /// process (<c>--lsl-config</c>); a private multicast port keeps parallel tests apart.
    /// </summary>
    public static string LoopbackConfigFileText() => $$"""
        [ports]
        MulticastPort = {{FreeUdpPort()}}
        BasePort = 1
        PortRange = 0
        AllowRandomPorts = true
        IPv6 = disable
        [multicast]
        ResolveScope = site
        AddressesOverride = {239.255.172.215}
        TTLOverride = 0
        Interfaces = {127.0.0.1}
        [tuning]
        MulticastMinRTT = 0.1
        UnicastMinRTT = 0.1
        """;

    public static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public static string UniqueName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];
}

/// <summary>A fact that needs the reference LSL captures beside the repository.</summary>
public sealed class CaptureFactAttribute : FactAttribute
{
    public CaptureFactAttribute() { if (LslTestSupport.CaptureDirectory is null) Skip = "needs ../shared/lsl/captures beside the repository"; }
}

/// <summary>A theory that needs the reference LSL captures beside the repository.</summary>
public sealed class CaptureTheoryAttribute : TheoryAttribute
{
    public CaptureTheoryAttribute() { if (LslTestSupport.CaptureDirectory is null) Skip = "needs ../shared/lsl/captures beside the repository"; }
}
