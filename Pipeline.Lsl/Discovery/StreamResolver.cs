using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml;

namespace Pipeline.Lsl;

/// <summary>
/// Finds outlets on the network the way liblsl does: <c>LSL:shortinfo</c> queries sent in waves to the configured
/// multicast, broadcast and unicast addresses at the multicast port, and to every port of the range on each KnownPeers
/// host; replies are keyed by uid, and the stream's address is taken from the reply's source.
/// </summary>
public sealed class StreamResolver
{
    private readonly LslConfig _config;
    private readonly Action<string> _log;

    /// <summary>Creates a resolver with the given configuration (default: <see cref="LslConfig.Default"/>).</summary>
    public StreamResolver(LslConfig? config = null)
    {
        _config = config ?? LslConfig.Default;
        _log = _config.Log ?? (_ => { });
    }

    /// <summary>The query for "property equals value", e.g. <c>name='EEG'</c>.</summary>
    public static string PropertyQuery(string prop, string value)
    {
        ArgumentNullException.ThrowIfNull(prop);
        ArgumentNullException.ThrowIfNull(value);
        if (prop.Length == 0 || prop.Any(ch => !(char.IsLetterOrDigit(ch) || ch is '_' or '/' or '-')))
            throw new ArgumentException($"'{prop}' is not a stream info property; use name, type, source_id, hostname or another element name.", nameof(prop));
        return $"{prop}={Quote(value)}";
    }

    /// <summary>The query a liblsl resolver sends for a predicate: restricted to the configured session.</summary>
    public string SessionQuery(string predicate)
    {
        var session = "session_id=" + Quote(_config.SessionId);
        return string.IsNullOrWhiteSpace(predicate) ? session : session + " and " + predicate;
    }

    /// <summary>
    /// The query liblsl uses to find a stream again after its outlet disappeared: every known identifying field, no
    /// session term (e.g. <c>channel_count='1' and name='X' and type='EEG' and source_id='s' and channel_format='int32'</c>).
    /// </summary>
    public static string RecoveryQuery(StreamInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var sb = new StringBuilder("channel_count=").Append(Quote(info.ChannelCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (info.Name.Length > 0) sb.Append(" and name=").Append(Quote(info.Name));
        if (info.Type.Length > 0) sb.Append(" and type=").Append(Quote(info.Type));
        if (info.SourceId.Length > 0) sb.Append(" and source_id=").Append(Quote(info.SourceId));
        sb.Append(" and channel_format=").Append(Quote(info.ChannelFormat.ToXmlName()));
        return sb.ToString();
    }

    /// <summary>
    /// Resolves streams of this session matching <paramref name="predicate"/> (empty: all). Returns as soon as
    /// <paramref name="minimum"/> streams were found (0: wait the whole timeout) or when <paramref name="timeout"/> seconds pass.
    /// </summary>
    public IReadOnlyList<StreamInfo> Resolve(string predicate, int minimum, double timeout) =>
        ResolveQuery(SessionQuery(predicate ?? ""), minimum, timeout, CancellationToken.None);

    /// <summary>
    /// As <see cref="Resolve(string, int, double)"/>, but only answers that <paramref name="accept"/> takes count: it is
    /// asked as each answer arrives, so a stream that became unwanted after the resolve started (an outlet this process
    /// opened meanwhile) is passed over and the resolve goes on waiting for another.
    /// </summary>
    public IReadOnlyList<StreamInfo> Resolve(string predicate, int minimum, double timeout, Func<StreamInfo, bool>? accept) =>
        ResolveQuery(SessionQuery(predicate ?? ""), minimum, timeout, CancellationToken.None, accept);

    /// <summary>Resolves with a query sent exactly as given (no session term added).</summary>
    public IReadOnlyList<StreamInfo> ResolveQuery(string query, int minimum, double timeout, CancellationToken cancel) =>
        ResolveQuery(query, minimum, timeout, cancel, null);

    /// <summary>
    /// Resolves with a query sent exactly as given (no session term added); answers <paramref name="accept"/> refuses
    /// (asked as each arrives) are passed over and do not count towards <paramref name="minimum"/>.
    /// </summary>
    public IReadOnlyList<StreamInfo> ResolveQuery(string query, int minimum, double timeout, CancellationToken cancel, Func<StreamInfo, bool>? accept)
    {
        ArgumentNullException.ThrowIfNull(query);
        var results = new Dictionary<string, StreamInfo>();
        var order = new List<string>();
        using var socket = PortBinder.BindUdp(_config, "resolver reply");
        var returnPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var id = QueryId(query);
        var datagram = BuildQuery(query, returnPort, id);
        var targets = _config.DiscoveryAddresses();
        var peers = ResolvePeers();
        var interfaces = PortBinder.MulticastInterfaces(_config);
        var start = LslClock.LocalClock();
        var end = start + Math.Max(0, timeout);
        var nextMulticast = start;
        var nextUnicast = peers.Count > 0 ? start + _config.MulticastMinRtt : double.MaxValue;
        var buffer = new byte[65536];
        while (!cancel.IsCancellationRequested)
        {
            var now = LslClock.LocalClock();
            if (minimum > 0 && results.Count >= minimum) break;
            if (now >= end) break;
            if (now >= nextMulticast)
            {
                SendWave(socket, datagram, targets, interfaces);
                nextMulticast = now + _config.MulticastMinRtt + (peers.Count > 0 ? _config.UnicastMinRtt : 0);
            }
            if (now >= nextUnicast)
            {
                foreach (var peer in peers)
                    for (var p = _config.BasePort; p < _config.BasePort + _config.PortRange && p <= 65535; p++)
                        TrySend(socket, datagram, new IPEndPoint(peer, p));
                nextUnicast = nextMulticast + _config.MulticastMinRtt;
            }
            var wait = Math.Min(Math.Min(nextMulticast, nextUnicast), end) - LslClock.LocalClock();
            var micro = (int)Math.Clamp(wait * 1e6, 1000, 50_000);
            try
            {
                if (!socket.Poll(micro, SelectMode.SelectRead)) continue;
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                var n = socket.ReceiveFrom(buffer, ref from);
                var info = ParseReply(buffer.AsSpan(0, n), id, ((IPEndPoint)from).Address, out var problem);
                if (problem is not null) _log($"LSL resolver: ignored a reply from {from}: {problem}.");
                if (info is null || accept?.Invoke(info) == false) continue;
                if (results.TryAdd(info.Uid, info)) order.Add(info.Uid);
            }
            catch (SocketException) { } // an ICMP error for one target must not end the resolve
        }
        return order.Select(u => results[u]).ToList();
    }

    private List<IPAddress> ResolvePeers()
    {
        var result = new List<IPAddress>();
        foreach (var peer in _config.KnownPeers)
        {
            if (IPAddress.TryParse(peer, out var a)) { if (a.AddressFamily == AddressFamily.InterNetwork) result.Add(a); continue; }
            try { result.AddRange(Dns.GetHostAddresses(peer).Where(x => x.AddressFamily == AddressFamily.InterNetwork)); }
            catch (SocketException e) { _log($"LSL resolver: KnownPeers host '{peer}' cannot be resolved ({e.Message})."); }
        }
        return result;
    }

    private void SendWave(Socket socket, byte[] datagram, IReadOnlyList<IPAddress> targets, IReadOnlyList<IPAddress> interfaces)
    {
        foreach (var target in targets)
        {
            var endpoint = new IPEndPoint(target, _config.MulticastPort);
            if (PortBinder.IsMulticast(target))
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, _config.MulticastTtl);
                if (interfaces.Count == 0) { TrySend(socket, datagram, endpoint); continue; }
                foreach (var nic in interfaces)
                {
                    try { socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, nic.GetAddressBytes()); }
                    catch (SocketException e) { _log($"LSL resolver: cannot send multicast via {nic} ({e.Message})."); continue; }
                    TrySend(socket, datagram, endpoint);
                }
            }
            else
            {
                if (target.Equals(IPAddress.Broadcast)) socket.EnableBroadcast = true;
                TrySend(socket, datagram, endpoint);
            }
        }
    }

    private void TrySend(Socket socket, byte[] datagram, IPEndPoint to)
    {
        try { socket.SendTo(datagram, to); }
        catch (SocketException e) { _log($"LSL resolver: query to {to} failed ({e.Message})."); }
    }

    internal static string Quote(string value) => value.Contains('\'') ? "\"" + value + "\"" : "'" + value + "'";

    /// <summary>A query id as liblsl makes it: a decimal hash of the query text (FNV-1a here; any token is valid).</summary>
    internal static string QueryId(string query)
    {
        var h = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(query)) { h ^= b; h *= 1099511628211UL; }
        return h.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static byte[] BuildQuery(string query, int returnPort, string id) =>
        Encoding.UTF8.GetBytes($"LSL:shortinfo\r\n{query}\r\n{returnPort} {id}\r\n");

    /// <summary>Parses a discovery reply; null (and a reason) when it is not for this query or malformed.</summary>
    internal static StreamInfo? ParseReply(ReadOnlySpan<byte> data, string expectedId, IPAddress from, out string? problem)
    {
        problem = null;
        var nl = data.IndexOf((byte)'\n');
        if (nl < 0) { problem = "no query-id line"; return null; }
        var id = Encoding.ASCII.GetString(data[..nl]).Trim();
        if (id != expectedId) return null; // an answer to another query (e.g. a previous wave of another resolver): not an error
        StreamInfo info;
        try { info = StreamInfo.FromXml(Encoding.UTF8.GetString(data[(nl + 1)..])); }
        catch (FormatException e) { problem = e.Message; return null; }
        catch (XmlException e) { problem = e.Message; return null; }
        var p = info.ProtocolProblem();
        if (p is not null) { problem = "the stream info is unusable: " + p; return null; }
        if (info.V4DataPort <= 0) { problem = "the stream info names no IPv4 data port"; return null; }
        if (info.V4Address.Length == 0) info.V4Address = from.ToString();
        return info;
    }
}
