using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Pipeline.Lsl;

namespace Pipeline.Tests.Lsl;

/// <summary>
/// Our codec against real traffic between two liblsl 1.17.7 peers (../shared/lsl/captures). Nothing is excluded from
/// the byte comparisons: the fields that legitimately differ between runs (uid, ports, created_at, hostname, query id,
/// return port, probe times) are taken from the capture and given to our side, so the bytes must match exactly.
/// </summary>
public sealed class WireCaptureTests
{
    public static TheoryData<string> FeedCaptures => new()
    {
        "01_float32_discovery_fullinfo_feed_timecorr.pcap", "02_string_deduced.pcap", "03_double64.pcap", "03_int16.pcap",
        "03_int32.pcap", "03_int64.pcap", "03_int8.pcap", "04_protocol100.pcap", "07_recovery.pcap",
    };

    private sealed record Feed(StreamInfo Info, byte[] Request, byte[] Response);

    private static List<Feed> Feeds(string file)
    {
        var pcap = PcapCapture.Read(LslTestSupport.Capture(file));
        var infos = pcap.Udp.Select(d => Encoding.UTF8.GetString(d.Payload))
            .Where(t => t.Contains("<?xml", StringComparison.Ordinal))
            .Select(t => StreamInfo.FromXml(t[t.IndexOf('<')..])).ToList();
        var feeds = new List<Feed>();
        foreach (var c in pcap.Tcp)
        {
            var request = c.ClientBytes;
            var text = Encoding.ASCII.GetString(request);
            if (!text.StartsWith("LSL:streamfeed", StringComparison.Ordinal)) continue;
            var uid = Regex.Match(text, "^LSL:streamfeed/110 ([0-9a-f-]+)").Groups[1].Value;
            var info = infos.First(i => uid.Length == 0 || i.Uid == uid);
            feeds.Add(new Feed(info, request, c.ServerBytes));
        }
        Assert.NotEmpty(feeds);
        return feeds;
    }

    /// <summary>The peers' pattern: sample i, channel c = i*1000 + c (int8: i*10 + c); strings with an empty and a 300-byte value.</summary>
    private static double Value(ChannelFormat f, int i, int c) => f == ChannelFormat.Int8 ? i * 10 + c : i * 1000 + c;

    private static string Text(int i, int c)
    {
        if (i % 5 == 3 && c == 1) return "";
        var s = (i * 1000 + c).ToString(CultureInfo.InvariantCulture);
        return i % 5 == 4 && c == 0 ? s.PadRight(300, '#') : s;
    }

    private static SampleCodec OpenFeed(Feed feed, FeedReader reader)
    {
        var info = feed.Info;
        var request = Encoding.ASCII.GetString(feed.Request);
        if (request.StartsWith("LSL:streamfeed/", StringComparison.Ordinal))
            return DataReceiver.ParseResponse(reader, info.Uid, info.ChannelFormat, info.ChannelCount, info.NominalSrate, 1 << 20);
        var codec = new SampleCodec(info.ChannelFormat, info.ChannelCount, info.NominalSrate, 100, false, false);
        var xml = codec.DecodeArchiveHeader(reader);
        Assert.Equal(info.ToShortInfoXml(), xml);
        return codec;
    }

    [CaptureTheory]
    [MemberData(nameof(FeedCaptures))]
    public void Our_inlet_decoder_reads_the_reference_outlet_feed(string file)
    {
        var start = 0;
        foreach (var feed in Feeds(file))
        {
            var info = feed.Info;
            var reader = new FeedReader(new MemoryStream(feed.Response));
            var codec = OpenFeed(feed, reader);
            codec.VerifyTestPatterns(reader);
            var raw = new byte[Math.Max(1, codec.SampleBytes)];
            var strings = new string[info.ChannelCount];
            var values = new double[info.ChannelCount];
            var i = 0;
            while (reader.Consumed < feed.Response.Length)
            {
                var ts = codec.Decode(reader, raw, strings);
                var k = start + i;
                Assert.Equal(1000.0 + k / info.NominalSrate, ts, 9);
                for (var c = 0; c < info.ChannelCount; c++)
                {
                    if (info.ChannelFormat == ChannelFormat.String) Assert.Equal(Text(k, c), strings[c]);
                    else Assert.Equal(Value(info.ChannelFormat, k, c), ValueConvert.GetDouble(raw, info.ChannelFormat, c));
                }
                i++;
            }
            Assert.True(i >= 2, $"{file}: only {i} data samples decoded");
            start += i;
        }
    }

    [CaptureTheory]
    [MemberData(nameof(FeedCaptures))]
    public void Our_outlet_produces_the_reference_outlet_bytes(string file)
    {
        var start = 0;
        foreach (var feed in Feeds(file))
        {
            var info = feed.Info;
            using var output = new MemoryStream();
            var session = OutletRequestHandler.Handle(new FeedReader(new MemoryStream(feed.Request)), output, info, 110, 1 << 20);
            Assert.NotNull(session);
            var deduced = file.StartsWith("02_", StringComparison.Ordinal); // that outlet pushed every sample after the first as deduced
            var b = new ByteBuffer();
            var raw = new byte[Math.Max(1, session!.Codec.SampleBytes)];
            var strings = new string[info.ChannelCount];
            var values = new double[info.ChannelCount];
            var n = 0;
            while (output.Length + b.Length < feed.Response.Length && n < 1000)
            {
                var k = start + n;
                for (var c = 0; c < info.ChannelCount; c++) { values[c] = Value(info.ChannelFormat, k, c); strings[c] = Text(k, c); }
                if (info.ChannelFormat != ChannelFormat.String) ValueConvert.Store(values, info.ChannelFormat, raw);
                session.Codec.Encode(b, 1000.0 + k / info.NominalSrate, deduced && n > 0, raw, strings);
                n++;
            }
            output.Write(b.Span);
            Assert.Equal(Convert.ToHexString(feed.Response), Convert.ToHexString(output.ToArray()));
            start += n;
        }
    }

    [CaptureFact]
    public void Discovery_query_reply_fullinfo_and_time_probe_have_the_reference_form()
    {
        var pcap = PcapCapture.Read(LslTestSupport.Capture("01_float32_discovery_fullinfo_feed_timecorr.pcap"));
        var query = pcap.Udp.First(d => Encoding.ASCII.GetString(d.Payload).StartsWith("LSL:shortinfo", StringComparison.Ordinal));
        var reply = pcap.Udp.First(d => d.From.Port == 16571);
        var replyText = Encoding.UTF8.GetString(reply.Payload);
        var info = StreamInfo.FromXml(replyText[replyText.IndexOf('<')..]);

        // Query: the same text for the same query, return port and id.
        var ours = StreamResolver.BuildQuery(new StreamResolver(new LslConfig()).SessionQuery(StreamResolver.PropertyQuery("name", "CapF32")), 16573, "17787283107101702680");
        Assert.Equal(Encoding.ASCII.GetString(query.Payload), Encoding.ASCII.GetString(ours));

        // Reply: our outlet answers that query with the reference bytes (id line + short info).
        var answer = ServiceAnswers.Answer(query.Payload, info, false, 0, out var port, out var problem);
        Assert.Null(problem);
        Assert.Equal(16573, port);
        Assert.Equal(replyText, Encoding.UTF8.GetString(answer!));
        Assert.Null(ServiceAnswers.Answer(Encoding.ASCII.GetBytes("LSL:shortinfo\r\nname='Other'\r\n16573 1\r\n"), info, false, 0, out _, out _));

        // Our resolver parses the reference reply and takes the address from the datagram source.
        var parsed = StreamResolver.ParseReply(reply.Payload, "17787283107101702680", IPAddress.Parse("127.0.0.1"), out problem);
        Assert.Null(problem);
        Assert.Equal(("CapF32", "127.0.0.1", 16572, 16572), (parsed!.Name, parsed.V4Address, parsed.V4DataPort, parsed.V4ServicePort));

        // Full info: built through the public API, with the run-specific fields from the capture, byte-identical.
        var fullinfo = pcap.Tcp.First(c => Encoding.ASCII.GetString(c.ClientBytes) == "LSL:fullinfo\r\n");
        var built = new StreamInfo("CapF32", "EEG", 2, 100, ChannelFormat.Float32, "lslpeer-CapF32")
        {
            CreatedAt = info.CreatedAt, Uid = info.Uid, Hostname = info.Hostname, V4DataPort = info.V4DataPort, V4ServicePort = info.V4ServicePort,
        };
        built.SetChannels([new ChannelDescription("Ch0", "microvolts"), new ChannelDescription("Ch1", "microvolts")]);
        built.Desc.Add(new XElement("manufacturer", "lslpeers"));
        Assert.Equal(Encoding.UTF8.GetString(fullinfo.ServerBytes), built.ToFullInfoXml());
        using var served = new MemoryStream();
        Assert.Null(OutletRequestHandler.Handle(new FeedReader(new MemoryStream(fullinfo.ClientBytes)), served, built, 110, 1 << 20));
        Assert.Equal(fullinfo.ServerBytes, served.ToArray());

        // Every field the reference parser requires is present, in liblsl's order.
        var names = XElement.Parse(built.ToShortInfoXml()).Elements().Select(e => e.Name.LocalName).ToArray();
        Assert.Equal(["name", "type", "channel_count", "channel_format", "source_id", "nominal_srate", "version", "created_at", "uid",
            "session_id", "hostname", "v4address", "v4data_port", "v4service_port", "v6address", "v6data_port", "v6service_port", "desc"], names);

        // Time probe: the reply echoes id and t0 in the reference form, with two server times.
        var probe = pcap.Udp.First(d => Encoding.ASCII.GetString(d.Payload).StartsWith("LSL:timedata", StringComparison.Ordinal));
        var timeReply = Encoding.ASCII.GetString(ServiceAnswers.Answer(probe.Payload, info, true, 668.5, out port, out _)!);
        Assert.Equal(0, port);
        Assert.Matches(@"^ 1804289383 668\.032414343 668\.5 \d+(\.\d+)?(e[+-]\d+)?$", timeReply);
        Assert.Null(ServiceAnswers.Answer(probe.Payload, info, false, 0, out _, out _)); // responders ignore time probes
    }

    [CaptureFact]
    public void Recovery_query_and_unicast_query_match_the_reference()
    {
        var pcap = PcapCapture.Read(LslTestSupport.Capture("07_recovery.pcap"));
        var recovery = pcap.Udp.Select(d => Encoding.ASCII.GetString(d.Payload)).First(t => t.Contains("source_id='rec-src-1'", StringComparison.Ordinal));
        var info = new StreamInfo("CapRec", "EEG", 1, 10, ChannelFormat.Int32, "rec-src-1");
        Assert.Equal(recovery.Split("\r\n")[1], StreamResolver.RecoveryQuery(info));

        var kp = PcapCapture.Read(LslTestSupport.Capture("05_knownpeers_unicast.pcap"));
        var q = Encoding.ASCII.GetString(kp.Udp.First().Payload).Split("\r\n");
        var parts = q[2].Split(' ');
        Assert.Equal(string.Join("\r\n", q), Encoding.ASCII.GetString(StreamResolver.BuildQuery(q[1], int.Parse(parts[0], CultureInfo.InvariantCulture), parts[1])));
        Assert.Equal(q[1], new StreamResolver(new LslConfig()).SessionQuery("name='CapKP'"));
    }

    [Fact]
    public void Numbers_are_printed_like_C_printf()
    {
        Assert.Equal("100.0000000000000", LslNumber.Xml(100));
        Assert.Equal("1.100000000000000", LslNumber.Xml(1.1));
        Assert.Equal("0.000000000000000", LslNumber.Xml(0));
        Assert.Equal("667.4349497370000", LslNumber.Xml(667.434949737));
        Assert.Equal("668.0967458379999", LslNumber.Probe(668.0967458379999));
        Assert.Equal("1026.683343176", LslNumber.Probe(1026.6833431760));
        Assert.Equal("1.26362e+06", LslNumber.Short(1263620));
        Assert.Equal("1e+06", LslNumber.Short(1e6));
    }
}
