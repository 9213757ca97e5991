using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Pipeline.Lsl;

/// <summary>
/// The LSL network configuration, read from an <c>lsl_api.cfg</c>-style INI file with liblsl's sections and keys
/// (<c>[ports]</c>, <c>[multicast]</c>, <c>[lab]</c>, <c>[tuning]</c>) so mixed C#/liblsl setups share one file.
/// Defaults are liblsl 1.17.7's. Only IPv4 is implemented; <see cref="IPv6"/> is read but IPv6 sockets are not opened.
/// </summary>
public sealed class LslConfig
{
    private static readonly Lazy<LslConfig> ProcessDefault = new(Load);

    /// <summary>UDP port of every discovery responder (<c>[ports] MulticastPort</c>).</summary>
    public int MulticastPort { get; set; } = 16571;
    /// <summary>First port tried for data listeners, service sockets and resolver reply sockets (<c>[ports] BasePort</c>).</summary>
    public int BasePort { get; set; } = 16572;
    /// <summary>How many ports from <see cref="BasePort"/> are tried (<c>[ports] PortRange</c>).</summary>
    public int PortRange { get; set; } = 32;
    /// <summary>Bind an OS-chosen port when the whole range is taken (<c>[ports] AllowRandomPorts</c>).</summary>
    public bool AllowRandomPorts { get; set; } = true;
    /// <summary>The <c>[ports] IPv6</c> setting (disable, allow, force); this implementation speaks IPv4 only.</summary>
    public string IPv6 { get; set; } = "allow";
    /// <summary>machine, link, site, organization or global (<c>[multicast] ResolveScope</c>).</summary>
    public string ResolveScope { get; set; } = "site";
    /// <summary>Addresses of the machine scope.</summary>
    public IReadOnlyList<string> MachineAddresses { get; set; } = ["127.0.0.1"];
    /// <summary>Addresses added at the link scope.</summary>
    public IReadOnlyList<string> LinkAddresses { get; set; } = ["255.255.255.255", "224.0.0.1", "224.0.0.183"];
    /// <summary>Addresses added at the site scope.</summary>
    public IReadOnlyList<string> SiteAddresses { get; set; } = ["239.255.172.215"];
    /// <summary>Addresses added at the organization scope.</summary>
    public IReadOnlyList<string> OrganizationAddresses { get; set; } = [];
    /// <summary>Addresses added at the global scope.</summary>
    public IReadOnlyList<string> GlobalAddresses { get; set; } = [];
    /// <summary>Replaces the scope's multicast TTL when not negative (<c>[multicast] TTLOverride</c>).</summary>
    public int TtlOverride { get; set; } = -1;
    /// <summary>Replaces the whole discovery address list when not empty (<c>[multicast] AddressesOverride</c>).</summary>
    public IReadOnlyList<string> AddressesOverride { get; set; } = [];
    /// <summary>Local interface addresses used to join groups and send multicast; empty = every up, multicast-capable IPv4 interface.</summary>
    public IReadOnlyList<string> Interfaces { get; set; } = [];
    /// <summary>Local address the discovery responders bind to; empty = any (<c>[multicast] ListenAddress</c>).</summary>
    public string ListenAddress { get; set; } = "";
    /// <summary>Hosts additionally queried by unicast on every port of the range (<c>[lab] KnownPeers</c>).</summary>
    public IReadOnlyList<string> KnownPeers { get; set; } = [];
    /// <summary>The session id written into outlets and required of every discovered stream (<c>[lab] SessionID</c>).</summary>
    public string SessionId { get; set; } = "default";
    /// <summary>The highest data protocol used, 100 or 110 (<c>[tuning] UseProtocolVersion</c>).</summary>
    public int UseProtocolVersion { get; set; } = 110;
    /// <summary>Seconds between resolve waves and the least time a one-shot resolve waits.</summary>
    public double MulticastMinRtt { get; set; } = 0.5;
    /// <summary>Seconds a multicast wave's replies are awaited.</summary>
    public double MulticastMaxRtt { get; set; } = 3.0;
    /// <summary>Extra delay before the next multicast wave when KnownPeers are queried.</summary>
    public double UnicastMinRtt { get; set; } = 0.75;
    /// <summary>Seconds a unicast wave's replies are awaited.</summary>
    public double UnicastMaxRtt { get; set; } = 5.0;
    /// <summary>Seconds between waves of a continuous resolve.</summary>
    public double ContinuousResolveInterval { get; set; } = 0.5;
    /// <summary>Seconds between time-correction rounds of an inlet.</summary>
    public double TimeUpdateInterval { get; set; } = 2.0;
    /// <summary>Replies a round needs before its estimate is used.</summary>
    public int TimeUpdateMinProbes { get; set; } = 6;
    /// <summary>Probes per time-correction round.</summary>
    public int TimeProbeCount { get; set; } = 8;
    /// <summary>Seconds between the probes of a round.</summary>
    public double TimeProbeInterval { get; set; } = 0.064;
    /// <summary>Seconds a round waits for late replies after its last probe.</summary>
    public double TimeProbeMaxRtt { get; set; } = 0.128;
    /// <summary>Half-time (s) of the dejitter regression's forgetting.</summary>
    public double SmoothingHalftime { get; set; } = 90;
    /// <summary>Seconds without data after which a reading inlet reconnects.</summary>
    public double WatchdogTimeThreshold { get; set; } = 15;
    /// <summary>Longest string value an inlet accepts (bytes); a longer one closes the connection as corrupt.</summary>
    public long MaxStringLength { get; set; } = 16 * 1024 * 1024;
    /// <summary>Where diagnostics go (connection closed and why, malformed replies, recovery); null = nowhere.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>The configuration of this process: the file named by <c>LSLAPICFG</c>, else <c>./lsl_api.cfg</c>,
    /// <c>~/lsl_api/lsl_api.cfg</c>, <c>/etc/lsl_api/lsl_api.cfg</c>, else the defaults. Read once.</summary>
    public static LslConfig Default => ProcessDefault.Value;

    /// <summary>Reads the configuration from the places liblsl looks (see <see cref="Default"/>), without caching.</summary>
    public static LslConfig Load()
    {
        var env = Environment.GetEnvironmentVariable("LSLAPICFG");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return FromFile(env);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        foreach (var candidate in new[] { "lsl_api.cfg", Path.Combine(home, "lsl_api", "lsl_api.cfg"), "/etc/lsl_api/lsl_api.cfg" })
            if (File.Exists(candidate)) return FromFile(candidate);
        return new LslConfig();
    }

    /// <summary>Reads an <c>lsl_api.cfg</c> file.</summary>
    /// <exception cref="LslException">The file cannot be read or a value is malformed.</exception>
    public static LslConfig FromFile(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LslException($"The LSL configuration file {path} cannot be read ({e.Message}); fix its path or permissions.", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses <c>lsl_api.cfg</c> content (<c>[section]</c>, <c>key = value</c>, sets as <c>{a, b}</c>, <c>;</c>/<c>#</c> comments).</summary>
    /// <exception cref="LslException">A value is malformed.</exception>
    public static LslConfig Parse(string content, string origin = "configuration")
    {
        ArgumentNullException.ThrowIfNull(content);
        var c = new LslConfig();
        var section = "";
        var lineNo = 0;
        foreach (var raw in content.Split('\n'))
        {
            lineNo++;
            var line = raw;
            var comment = line.IndexOfAny([';', '#']);
            if (comment >= 0) line = line[..comment];
            line = line.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('[') && line.EndsWith(']')) { section = line[1..^1].Trim().ToLowerInvariant(); continue; }
            var eq = line.IndexOf('=');
            if (eq <= 0) throw new LslException($"Line {lineNo} of {origin} is neither [section] nor key = value; fix or remove it.");
            var key = section + "." + line[..eq].Trim().ToLowerInvariant();
            var value = line[(eq + 1)..].Trim();
            c.Apply(key, value, origin, lineNo);
        }
        return c;
    }

    private void Apply(string key, string value, string origin, int lineNo)
    {
        int Int() => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
            : throw new LslException($"{key} on line {lineNo} of {origin} must be an integer, not '{value}'.");
        double Dbl() => LslNumber.TryParse(value, out var v) ? v
            : throw new LslException($"{key} on line {lineNo} of {origin} must be a number, not '{value}'.");
        bool Bool() => value.ToLowerInvariant() switch
        {
            "1" or "true" or "yes" or "on" => true,
            "0" or "false" or "no" or "off" => false,
            _ => throw new LslException($"{key} on line {lineNo} of {origin} must be true or false, not '{value}'."),
        };
        switch (key)
        {
            case "ports.multicastport": MulticastPort = Int(); break;
            case "ports.baseport": BasePort = Int(); break;
            case "ports.portrange": PortRange = Int(); break;
            case "ports.allowrandomports": AllowRandomPorts = Bool(); break;
            case "ports.ipv6": IPv6 = value.ToLowerInvariant(); break;
            case "multicast.resolvescope": ResolveScope = value.ToLowerInvariant(); break;
            case "multicast.machineaddresses": MachineAddresses = ParseSet(value); break;
            case "multicast.linkaddresses": LinkAddresses = ParseSet(value); break;
            case "multicast.siteaddresses": SiteAddresses = ParseSet(value); break;
            case "multicast.organizationaddresses": OrganizationAddresses = ParseSet(value); break;
            case "multicast.globaladdresses": GlobalAddresses = ParseSet(value); break;
            case "multicast.ttloverride": TtlOverride = Int(); break;
            case "multicast.addressesoverride": AddressesOverride = ParseSet(value); break;
            case "multicast.interfaces": Interfaces = ParseSet(value); break;
            case "multicast.listenaddress": ListenAddress = value; break;
            case "lab.knownpeers": KnownPeers = ParseSet(value); break;
            case "lab.sessionid": SessionId = value; break;
            case "tuning.useprotocolversion": UseProtocolVersion = Math.Min(110, Int()); break;
            case "tuning.multicastminrtt": MulticastMinRtt = Dbl(); break;
            case "tuning.multicastmaxrtt": MulticastMaxRtt = Dbl(); break;
            case "tuning.unicastminrtt": UnicastMinRtt = Dbl(); break;
            case "tuning.unicastmaxrtt": UnicastMaxRtt = Dbl(); break;
            case "tuning.continuousresolveinterval": ContinuousResolveInterval = Dbl(); break;
            case "tuning.timeupdateinterval": TimeUpdateInterval = Dbl(); break;
            case "tuning.timeupdateminprobes": TimeUpdateMinProbes = Int(); break;
            case "tuning.timeprobecount": TimeProbeCount = Int(); break;
            case "tuning.timeprobeinterval": TimeProbeInterval = Dbl(); break;
            case "tuning.timeprobemaxrtt": TimeProbeMaxRtt = Dbl(); break;
            case "tuning.smoothinghalftime": SmoothingHalftime = Dbl(); break;
            case "tuning.watchdogtimethreshold": WatchdogTimeThreshold = Dbl(); break;
            default: break; // liblsl ignores keys it does not know; so do we (log, tuning extras)
        }
    }

    /// <summary>Parses <c>{a, b, c}</c> (braces optional); <c>{}</c> is empty.</summary>
    public static IReadOnlyList<string> ParseSet(string value)
    {
        var v = value.Trim();
        if (v.StartsWith('{')) v = v[1..];
        if (v.EndsWith('}')) v = v[..^1];
        return v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The IPv4 discovery targets of the configured scope (or <see cref="AddressesOverride"/>).</summary>
    public IReadOnlyList<IPAddress> DiscoveryAddresses()
    {
        IEnumerable<string> names = AddressesOverride.Count > 0 ? AddressesOverride : ScopeLevel() switch
        {
            0 => MachineAddresses,
            1 => [.. MachineAddresses, .. LinkAddresses],
            2 => [.. MachineAddresses, .. LinkAddresses, .. SiteAddresses],
            3 => [.. MachineAddresses, .. LinkAddresses, .. SiteAddresses, .. OrganizationAddresses],
            _ => [.. MachineAddresses, .. LinkAddresses, .. SiteAddresses, .. OrganizationAddresses, .. GlobalAddresses],
        };
        var result = new List<IPAddress>();
        foreach (var n in names)
            if (IPAddress.TryParse(n, out var a) && a.AddressFamily == AddressFamily.InterNetwork && !result.Contains(a)) result.Add(a);
        return result;
    }

    /// <summary>The multicast TTL of the scope, or <see cref="TtlOverride"/>.</summary>
    public int MulticastTtl => TtlOverride >= 0 ? TtlOverride : ScopeLevel() switch { 0 => 0, 1 => 1, 2 => 24, 3 => 32, _ => 255 };

    private int ScopeLevel() => ResolveScope switch
    {
        "machine" => 0,
        "link" => 1,
        "site" => 2,
        "organization" => 3,
        "global" => 4,
        _ => throw new LslException($"ResolveScope '{ResolveScope}' is unknown; use machine, link, site, organization or global."),
    };

    /// <summary>A shallow copy (lists are immutable in use), e.g. to change the log hook per component.</summary>
    public LslConfig Clone() => (LslConfig)MemberwiseClone();
}
