using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;

namespace Pipeline.Lsl;

/// <summary>
/// The description of an LSL stream (liblsl's <c>stream_info</c>): identity, shape, format, rate, the
/// network endpoints of the outlet, and the free-form <c>desc</c> tree. Round-trips through the
/// <c>&lt;info&gt;</c> XML that liblsl writes and that XDF stores in StreamHeader chunks.
/// </summary>
public sealed class StreamInfo
{
    private XElement _desc = new("desc");

    /// <summary>An empty description, to be filled with an object initializer.</summary>
    public StreamInfo() { }

    /// <summary>
    /// Describes a new stream the way liblsl's <c>stream_info(name, type, channel_count, nominal_srate,
    /// channel_format, source_id)</c> does.
    /// </summary>
    /// <param name="name">The stream name; must not be empty.</param>
    /// <param name="type">The content type (EEG, Markers, ...); may be empty.</param>
    /// <param name="channelCount">Channels per sample (at least 1).</param>
    /// <param name="nominalSrate">Samples per second, or 0 (<see cref="LSL.IrregularRate"/>) for irregular streams.</param>
    /// <param name="channelFormat">The value type of every channel.</param>
    /// <param name="sourceId">A unique id of the data source; enables recovery after an outlet restart.</param>
    /// <exception cref="ArgumentException">The name is empty, the channel count below 1, the rate negative, or the format undefined.</exception>
    public StreamInfo(string name, string type, int channelCount = 1, double nominalSrate = 0,
        ChannelFormat channelFormat = ChannelFormat.Float32, string sourceId = "")
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(sourceId);
        if (name.Length == 0) throw new ArgumentException("An LSL stream needs a non-empty name; pass one.", nameof(name));
        if (channelCount < 1) throw new ArgumentOutOfRangeException(nameof(channelCount), channelCount, "An LSL stream needs at least one channel.");
        if (!(nominalSrate >= 0) || double.IsInfinity(nominalSrate)) throw new ArgumentOutOfRangeException(nameof(nominalSrate), nominalSrate, "The nominal rate must be 0 (irregular) or a positive number.");
        if (channelFormat == ChannelFormat.Undefined) throw new ArgumentException("The channel format must be one of float32, double64, string, int32, int16, int8, int64.", nameof(channelFormat));
        Name = name;
        Type = type;
        ChannelCount = channelCount;
        NominalSrate = nominalSrate;
        ChannelFormat = channelFormat;
        SourceId = sourceId;
    }

    /// <summary>The stream name (e.g. <c>BioSemi</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>The content type (e.g. <c>EEG</c>, <c>Markers</c>).</summary>
    public string Type { get; set; } = "";

    /// <summary>Channels per sample.</summary>
    public int ChannelCount { get; set; }

    /// <summary>The nominal sampling rate in Hz; 0 for irregular streams.</summary>
    public double NominalSrate { get; set; }

    /// <summary>The value type of every channel.</summary>
    public ChannelFormat ChannelFormat { get; set; }

    /// <summary>A unique identifier of the data source, for recovery after a producer restart; may be empty.</summary>
    public string SourceId { get; set; } = "";

    /// <summary>The protocol version of the producer (e.g. 1.1).</summary>
    public double Version { get; set; } = 1.1;

    /// <summary>When the outlet was created, in the producer's LSL clock (seconds).</summary>
    public double CreatedAt { get; set; }

    /// <summary>The unique id of this outlet instance.</summary>
    public string Uid { get; set; } = "";

    /// <summary>The LSL session id (normally <c>default</c>).</summary>
    public string SessionId { get; set; } = "default";

    /// <summary>The producer's host name.</summary>
    public string Hostname { get; set; } = "";

    /// <summary>The outlet's IPv4 address as advertised; usually empty.</summary>
    public string V4Address { get; set; } = "";

    /// <summary>The outlet's IPv4 data (TCP) port.</summary>
    public int V4DataPort { get; set; }

    /// <summary>The outlet's IPv4 service (UDP) port.</summary>
    public int V4ServicePort { get; set; }

    /// <summary>The outlet's IPv6 address as advertised; usually empty.</summary>
    public string V6Address { get; set; } = "";

    /// <summary>The outlet's IPv6 data (TCP) port.</summary>
    public int V6DataPort { get; set; }

    /// <summary>The outlet's IPv6 service (UDP) port.</summary>
    public int V6ServicePort { get; set; }

    /// <summary>
    /// The <c>&lt;desc&gt;</c> element, kept whole so that nothing a producer wrote is lost; edit it freely.
    /// Setting it to an element with another name renames that element to <c>desc</c>.
    /// </summary>
    public XElement Desc
    {
        get => _desc;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _desc = value.Name == "desc" ? value : new XElement("desc", value.Attributes(), value.Nodes());
        }
    }

    /// <summary>The channels listed in <c>desc/channels/channel</c>, in order; empty when the producer listed none.</summary>
    public IReadOnlyList<ChannelDescription> Channels =>
        _desc.Element("channels")?.Elements("channel")
            .Select(c => new ChannelDescription(Text(c, "label"), Text(c, "unit"), Text(c, "type")))
            .ToList() ?? [];

    /// <summary>Replaces <c>desc/channels</c> with the given channels (label, unit, type each written when not empty).</summary>
    public void SetChannels(IEnumerable<ChannelDescription> channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        _desc.Element("channels")?.Remove();
        var element = new XElement("channels");
        foreach (var c in channels)
        {
            var ch = new XElement("channel");
            if (c.Label.Length > 0) ch.Add(new XElement("label", c.Label));
            if (c.Unit.Length > 0) ch.Add(new XElement("unit", c.Unit));
            if (c.Type.Length > 0) ch.Add(new XElement("type", c.Type));
            element.Add(ch);
        }
        _desc.Add(element);
    }

    /// <summary>
    /// The full XML document as liblsl writes it: <c>&lt;?xml version="1.0"?&gt;</c>, then <c>&lt;info&gt;</c> with
    /// one tab-indented element per field in liblsl's order, and <c>desc</c> last.
    /// </summary>
    public string ToXml() => Serialize(StreamInfo.Number, withDesc: true);

    /// <summary>
    /// The short info exactly as a liblsl 1.17.7 outlet sends it in discovery replies, TCP <c>LSL:shortinfo</c> replies
    /// and protocol-1.00 feeds: every one of the 17 fields, numbers as C's <c>%#.16g</c>, and an empty <c>&lt;desc /&gt;</c>.
    /// </summary>
    public string ToShortInfoXml() => Serialize(LslNumber.Xml, withDesc: false);

    /// <summary>The full info as a liblsl outlet answers <c>LSL:fullinfo</c>: the short info plus the <c>desc</c> tree.</summary>
    public string ToFullInfoXml() => Serialize(LslNumber.Xml, withDesc: true);

    /// <summary>
    /// Why a liblsl reader would reject this info (empty name or uid, undefined format, no channels, version 0),
    /// or null when it would accept it.
    /// </summary>
    public string? ProtocolProblem()
    {
        if (Name.Length == 0) return "the stream has no name";
        if (Uid.Length == 0) return "the stream has no uid";
        if (ChannelFormat == ChannelFormat.Undefined) return "the channel format is not one of the 7 LSL formats";
        if (ChannelCount < 1) return "the channel count is below 1";
        if (!(Version > 0)) return "the protocol version is not positive";
        if (!double.IsFinite(NominalSrate) || NominalSrate < 0) return "the nominal rate is not a non-negative number";
        return null;
    }

    /// <summary>
    /// True when the LSL query (an XPath 1.0 boolean expression evaluated with <c>&lt;info&gt;</c> as the context node,
    /// e.g. <c>session_id='default' and name='EEG'</c>) holds for the full info. An empty query matches every stream.
    /// </summary>
    /// <exception cref="XPathException">The query is not valid XPath.</exception>
    public bool Matches(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Trim().Length == 0) return true;
        var root = XElement.Parse(ToFullInfoXml());
        var nav = root.CreateNavigator();
        return nav.Evaluate(query) switch
        {
            bool b => b,
            double d => d != 0 && !double.IsNaN(d),
            string str => str.Length > 0,
            XPathNodeIterator it => it.MoveNext(),
            _ => false,
        };
    }

    private string Serialize(Func<double, string> number, bool withDesc)
    {
        var info = new XElement("info",
            new XElement("name", Name),
            new XElement("type", Type),
            new XElement("channel_count", ChannelCount.ToString(CultureInfo.InvariantCulture)),
            new XElement("channel_format", ChannelFormat.ToXmlName()),
            new XElement("source_id", SourceId),
            new XElement("nominal_srate", number(NominalSrate)),
            new XElement("version", number(Version)),
            new XElement("created_at", number(CreatedAt)),
            new XElement("uid", Uid),
            new XElement("session_id", SessionId),
            new XElement("hostname", Hostname),
            new XElement("v4address", V4Address),
            new XElement("v4data_port", V4DataPort.ToString(CultureInfo.InvariantCulture)),
            new XElement("v4service_port", V4ServicePort.ToString(CultureInfo.InvariantCulture)),
            new XElement("v6address", V6Address),
            new XElement("v6data_port", V6DataPort.ToString(CultureInfo.InvariantCulture)),
            new XElement("v6service_port", V6ServicePort.ToString(CultureInfo.InvariantCulture)),
            withDesc ? new XElement(_desc) : new XElement("desc"));
        var settings = new XmlWriterSettings
        {
            OmitXmlDeclaration = true,
            Indent = true,
            IndentChars = "\t",
            NewLineChars = "\n",
            Encoding = new UTF8Encoding(false),
        };
        var sb = new StringBuilder("<?xml version=\"1.0\"?>\n");
        using (var writer = XmlWriter.Create(sb, settings)) info.WriteTo(writer);
        sb.Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// Reads an <c>&lt;info&gt;</c> document tolerantly: missing elements keep their defaults, numbers may be
    /// written as <c>-.01</c> or <c>1.000000000000000</c>, whitespace around values is ignored.
    /// </summary>
    /// <exception cref="FormatException">The text is not well-formed XML.</exception>
    public static StreamInfo FromXml(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        XElement root;
        try
        {
            root = XDocument.Parse(xml, LoadOptions.None).Root ?? throw new FormatException("The stream info XML has no root element; pass an <info> document.");
        }
        catch (XmlException e)
        {
            throw new FormatException($"The stream info XML is not well-formed ({e.Message}); pass a complete <info> document.", e);
        }
        return FromElement(root);
    }

    /// <summary>Reads an already parsed <c>&lt;info&gt;</c> element with the same tolerance as <see cref="FromXml"/>.</summary>
    public static StreamInfo FromElement(XElement info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var result = new StreamInfo
        {
            Name = Text(info, "name"),
            Type = Text(info, "type"),
            ChannelCount = (int)Math.Clamp(ParseDouble(Text(info, "channel_count"), 0), 0, int.MaxValue),
            NominalSrate = ParseDouble(Text(info, "nominal_srate"), 0),
            ChannelFormat = ChannelFormatNames.Parse(Text(info, "channel_format")),
            SourceId = Text(info, "source_id"),
            Version = ParseDouble(Text(info, "version"), 1.1),
            CreatedAt = ParseDouble(Text(info, "created_at"), 0),
            Uid = Text(info, "uid"),
            SessionId = info.Element("session_id") is null ? "default" : Text(info, "session_id"),
            Hostname = Text(info, "hostname"),
            V4Address = Text(info, "v4address"),
            V4DataPort = ParsePort(Text(info, "v4data_port")),
            V4ServicePort = ParsePort(Text(info, "v4service_port")),
            V6Address = Text(info, "v6address"),
            V6DataPort = ParsePort(Text(info, "v6data_port")),
            V6ServicePort = ParsePort(Text(info, "v6service_port")),
        };
        if (!double.IsFinite(result.NominalSrate) || result.NominalSrate < 0) result.NominalSrate = 0;
        if (info.Element("desc") is { } desc) result._desc = new XElement(desc);
        return result;
    }

    /// <summary>A deep copy (the <c>desc</c> tree included).</summary>
    public StreamInfo Clone() => FromElement(XElement.Parse(ToXml()));

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name} ({Type}, {ChannelCount} x {ChannelFormat.ToXmlName()} @ {NominalSrate.ToString(CultureInfo.InvariantCulture)} Hz)";

    internal static string Text(XElement parent, string name) => parent.Element(name)?.Value.Trim() ?? "";

    /// <summary>Numbers the way LSL peers read them back exactly (shortest round-trip form).</summary>
    internal static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    internal static double ParseDouble(string text, double fallback) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    private static int ParsePort(string text)
    {
        var v = ParseDouble(text, 0);
        return double.IsFinite(v) && v >= 0 && v <= 65535 ? (int)v : 0;
    }
}
