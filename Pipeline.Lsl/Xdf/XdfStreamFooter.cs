using System.Xml.Linq;

namespace Pipeline.Lsl.Xdf;

/// <summary>
/// A StreamFooter chunk's summary. Footers are informational only (they can be missing, truncated or wrong):
/// the reader never trusts them over the Samples chunks.
/// </summary>
public sealed class XdfStreamFooter
{
    /// <summary>The footer XML as stored (decoded as UTF-8 with replacement).</summary>
    public required string Xml { get; init; }

    /// <summary>The parsed <c>&lt;info&gt;</c> element, or null when the XML is not well-formed.</summary>
    public XElement? Info { get; init; }

    /// <summary><c>first_timestamp</c>, or null when absent or unparsable.</summary>
    public double? FirstTimestamp { get; init; }

    /// <summary><c>last_timestamp</c>, or null when absent or unparsable.</summary>
    public double? LastTimestamp { get; init; }

    /// <summary><c>sample_count</c>, or null when absent or unparsable.</summary>
    public long? SampleCount { get; init; }

    /// <summary>The copy of the clock offsets (<c>clock_offsets/offset/{time,value}</c>) LabRecorder puts in footers.</summary>
    public IReadOnlyList<XdfClockOffset> ClockOffsets { get; init; } = [];

    /// <summary>Reads a footer from its XML text; never throws on bad XML (then only <see cref="Xml"/> is set).</summary>
    public static XdfStreamFooter Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        XElement? root;
        try { root = XDocument.Parse(xml).Root; }
        catch (System.Xml.XmlException) { root = null; }
        if (root is null) return new XdfStreamFooter { Xml = xml };
        double? D(XElement parent, string name) =>
            parent.Element(name) is { } e && double.TryParse(e.Value.Trim(), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
        var count = D(root, "sample_count");
        var offsets = root.Element("clock_offsets")?.Elements("offset")
            .Select(o => (t: D(o, "time"), v: D(o, "value")))
            .Where(o => o.t is not null && o.v is not null)
            .Select(o => new XdfClockOffset(o.t!.Value, o.v!.Value))
            .ToList() ?? [];
        return new XdfStreamFooter
        {
            Xml = xml,
            Info = root,
            FirstTimestamp = D(root, "first_timestamp"),
            LastTimestamp = D(root, "last_timestamp"),
            SampleCount = count is { } c && double.IsFinite(c) ? (long)c : null,
            ClockOffsets = offsets,
        };
    }
}
