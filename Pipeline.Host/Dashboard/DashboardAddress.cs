using System.Globalization;
using System.Net;
using Pipeline.Core.Signals;

namespace Pipeline.Host.Dashboard;

/// <summary>Where a CLI verb's dashboard listens: <c>--dashboard</c> alone is loopback port 8741 (or a free port when it is taken).</summary>
/// <param name="Host">The address to bind.</param>
/// <param name="Port">The port (0: any free port).</param>
/// <param name="PortGiven">True when the user named the port (then a taken port is an error, not a fallback).</param>
internal sealed record DashboardAddress(IPAddress Host, int Port, bool PortGiven)
{
    /// <summary>The default port of a CLI verb's dashboard (the service's API is 8740).</summary>
    public const int DefaultPort = 8741;

    /// <summary>The environment variable that holds the key a non-loopback dashboard requires.</summary>
    public const string ApiKeyVariable = "PIPELINE_API_KEY";

    /// <summary>True when only this machine can reach the address.</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Host);

    /// <summary>Parses <c>PORT</c>, <c>HOST</c>, <c>HOST:PORT</c>, <c>[v6]:PORT</c> or <c>http://HOST:PORT</c>; null or empty: loopback, default port.</summary>
    /// <exception cref="PipelineException">The text is not an address.</exception>
    public static DashboardAddress Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return new DashboardAddress(IPAddress.Loopback, DefaultPort, false);
        var t = text.Trim();
        if (t.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) t = t["http://".Length..].TrimEnd('/');
        if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var onlyPort)) return Checked(IPAddress.Loopback, onlyPort, text);
        if (t.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return new DashboardAddress(IPAddress.Loopback, DefaultPort, false);
        if (IPEndPoint.TryParse(t, out var endpoint) && (t.Contains(']', StringComparison.Ordinal) || t.Count(ch => ch == ':') == 1))
            return Checked(endpoint.Address, endpoint.Port, text);
        if (IPAddress.TryParse(t, out var host)) return new DashboardAddress(host, DefaultPort, false);
        var colon = t.LastIndexOf(':');
        if (colon > 0 && t[..colon].Equals("localhost", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(t[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var localPort))
            return Checked(IPAddress.Loopback, localPort, text);
        throw new PipelineException($"--dashboard '{text}' is not an address; give a port (8741), an address with a port (127.0.0.1:8741) or nothing for 127.0.0.1:{DefaultPort}.");
    }

    private static DashboardAddress Checked(IPAddress host, int port, string text)
    {
        if (port is < 0 or > 65535) throw new PipelineException($"--dashboard '{text}': the port must be 0-65535.");
        return new DashboardAddress(host, port, true);
    }
}
