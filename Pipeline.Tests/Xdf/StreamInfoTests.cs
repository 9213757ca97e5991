using System.Xml.Linq;
using Pipeline.Lsl;

namespace Pipeline.Tests.Xdf;

public sealed class StreamInfoTests
{
    [Fact]
    public void Xml_round_trips_every_field_and_the_desc_tree()
    {
        var info = new StreamInfo
        {
            Name = "BioSemi", Type = "EEG", ChannelCount = 3, NominalSrate = 512.5, ChannelFormat = ChannelFormat.Int16,
            SourceId = "src & <1>", Version = 1.1, CreatedAt = 653103.26692229998, Uid = "u-1", SessionId = "lab", Hostname = "host",
            V4Address = "10.0.0.1", V4DataPort = 16572, V4ServicePort = 16573, V6Address = "::1", V6DataPort = 16574, V6ServicePort = 16575,
        };
        info.SetChannels([new ChannelDescription("Cz", "microvolts", "EEG"), new("Pz"), new("Trig", Type: "TRIG")]);
        info.Desc.Add(new XElement("manufacturer", "Biosemi"));
        var xml = info.ToXml();
        Assert.StartsWith("<?xml version=\"1.0\"?>\n<info>\n\t<name>BioSemi</name>", xml);
        var back = StreamInfo.FromXml(xml);
        Assert.Equal(info.ToXml(), back.ToXml());
        Assert.Equal((info.Name, info.CreatedAt, info.NominalSrate, info.V6ServicePort, info.SourceId), (back.Name, back.CreatedAt, back.NominalSrate, back.V6ServicePort, back.SourceId));
        Assert.Equal(ChannelFormat.Int16, back.ChannelFormat);
        Assert.Equal(["Cz", "Pz", "Trig"], back.Channels.Select(c => c.Label));
        Assert.Equal(["microvolts", "", ""], back.Channels.Select(c => c.Unit));
        Assert.Equal("Biosemi", back.Desc.Element("manufacturer")!.Value);
    }

    [Fact]
    public void Tolerant_parsing_of_liblsl_and_pylsl_forms()
    {
        var info = StreamInfo.FromXml("<?xml version=\"1.0\"?>\n<info>\n\t<name> x </name>\n\t<channel_count>\t8\n</channel_count>" +
            "<nominal_srate>1.000000000000000</nominal_srate><version>-.01</version><channel_format>FLOAT32</channel_format><v4address /><desc/></info>");
        Assert.Equal("x", info.Name);
        Assert.Equal(8, info.ChannelCount);
        Assert.Equal(1.0, info.NominalSrate);
        Assert.Equal(-0.01, info.Version);
        Assert.Equal(ChannelFormat.Float32, info.ChannelFormat);
        Assert.Equal("default", info.SessionId);
        Assert.Empty(info.Channels);
        var bare = StreamInfo.FromXml("<info/>");
        Assert.Equal((0, ChannelFormat.Undefined, 0.0), (bare.ChannelCount, bare.ChannelFormat, bare.NominalSrate));
        Assert.Throws<FormatException>(() => StreamInfo.FromXml("<info><name>"));
    }

    [Fact]
    public void Format_codes_are_LSLs()
    {
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], Enum.GetValues<ChannelFormat>().Select(f => (int)f));
        foreach (var f in Enum.GetValues<ChannelFormat>()) Assert.Equal(f, ChannelFormatNames.Parse(f.ToXmlName()));
    }
}
