using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Pipeline.Lsl;

/// <summary>
/// The description of an LSL stream (liblsl's <c>stream_info</c>): identity, shape, format, rate, the
/// network endpoints of the outlet, and the free-form <c>desc</c> tree. Round-trips through the
/// <c>&lt;info&gt;</c> XML that liblsl writes and that XDF stores in StreamHeader chunks.
/// </summary>
public sealed class StreamInfo
{
    private XElement _desc = new("desc");

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
    public string ToXml()
    {
        var info = new XElement("info",
            new XElement("name", Name),
            new XElement("type", Type),
            new XElement("channel_count", ChannelCount.ToString(CultureInfo.InvariantCulture)),
            new XElement("channel_format", ChannelFormat.ToXmlName()),
            new XElement("source_id", SourceId),
            new XElement("nominal_srate", Number(NominalSrate)),
            new XElement("version", Number(Version)),
            new XElement("created_at", Number(CreatedAt)),
            new XElement("uid", Uid),
            new XElement("session_id", SessionId),
            new XElement("hostname", Hostname),
            new XElement("v4address", V4Address),
            new XElement("v4data_port", V4DataPort.ToString(CultureInfo.InvariantCulture)),
            new XElement("v4service_port", V4ServicePort.ToString(CultureInfo.InvariantCulture)),
            new XElement("v6address", V6Address),
            new XElement("v6data_port", V6DataPort.ToString(CultureInfo.InvariantCulture)),
            new XElement("v6service_port", V6ServicePort.ToString(CultureInfo.InvariantCulture)),
            new XElement(_desc));
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
