using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Pipeline.Lsl;

/// <summary>Binds sockets the way liblsl does: the first free port of [BasePort, BasePort+PortRange), else an OS-chosen one.</summary>
internal static class PortBinder
{
    public static Socket BindTcpListener(LslConfig config)
    {
        var s = Bind(config, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), "TCP data");
        s.Listen(64);
        return s;
    }

    public static Socket BindUdp(LslConfig config, string purpose) =>
        Bind(config, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp), purpose);

    private static Socket Bind(LslConfig config, Func<Socket> create, string purpose)
    {
        for (var p = config.BasePort; p < config.BasePort + config.PortRange && p <= 65535; p++)
        {
            if (p <= 0) continue;
            var s = create();
            try { s.Bind(new IPEndPoint(IPAddress.Any, p)); return s; }
            catch (SocketException) { s.Dispose(); } // busy (or in TIME_WAIT): liblsl skips it too
        }
        if (!config.AllowRandomPorts)
            throw new LslException($"No free {purpose} port in {config.BasePort}..{config.BasePort + config.PortRange - 1}; widen [ports] PortRange or set AllowRandomPorts = true.");
        var r = create();
        r.Bind(new IPEndPoint(IPAddress.Any, 0));
        return r;
    }

    /// <summary>The local IPv4 addresses to use for multicast: the configured ones, else those of up, multicast-capable interfaces.</summary>
    public static IReadOnlyList<IPAddress> MulticastInterfaces(LslConfig config)
    {
        var result = new List<IPAddress>();
        if (config.Interfaces.Count > 0)
        {
            foreach (var n in config.Interfaces)
                if (IPAddress.TryParse(n, out var a) && a.AddressFamily == AddressFamily.InterNetwork) result.Add(a);
            return result;
        }
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up || !nic.SupportsMulticast) continue;
                foreach (var u in nic.GetIPProperties().UnicastAddresses)
                    if (u.Address.AddressFamily == AddressFamily.InterNetwork) result.Add(u.Address);
            }
        }
        catch (NetworkInformationException) { }
        return result;
    }

    public static bool IsMulticast(IPAddress a) => a.AddressFamily == AddressFamily.InterNetwork && (a.GetAddressBytes()[0] & 0xf0) == 0xe0;
}
