using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pipeline.Lsl;

namespace Pipeline.Tests.Lsl;

/// <summary>Outlet, resolver and inlet end to end over 127.0.0.1 only (multicast joined and sent on loopback, TTL 0).</summary>
public sealed class LslLoopbackTests
{
    public static TheoryData<ChannelFormat, int> Formats => new()
    {
        { ChannelFormat.Float32, 110 }, { ChannelFormat.Double64, 110 }, { ChannelFormat.String, 110 }, { ChannelFormat.Int32, 110 },
        { ChannelFormat.Int16, 110 }, { ChannelFormat.Int8, 110 }, { ChannelFormat.Int64, 110 },
        { ChannelFormat.Float32, 100 }, { ChannelFormat.String, 100 }, { ChannelFormat.Int64, 100 },
    };

    private static (StreamOutlet Outlet, StreamInlet Inlet) Connect(StreamInfo info, LslConfig config, LslConfig? inletConfig = null, int maxBuffered = 360)
    {
        var outlet = new StreamOutlet(info, maxBuffered: maxBuffered, config: config);
        var found = LSL.ResolveByProp("name", info.Name, 1, 3.0, config);
        var resolved = Assert.Single(found);
        Assert.Equal(outlet.Info.Uid, resolved.Uid);
        Assert.Equal("127.0.0.1", resolved.V4Address);
        var inlet = new StreamInlet(resolved, config: inletConfig ?? config);
        inlet.OpenStream(3);
        Assert.True(outlet.WaitForConsumers(3));
        return (outlet, inlet);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_format_arrives_equal_and_in_order(ChannelFormat format, int protocol)
    {
        var config = LslTestSupport.LoopbackConfig();
        var inletConfig = config.Clone();
        inletConfig.UseProtocolVersion = protocol;
        var info = new StreamInfo(LslTestSupport.UniqueName("fmt"), "Test", 3, 100, format, "src-" + format);
        var (outlet, inlet) = Connect(info, config, inletConfig);
        using (outlet)
        using (inlet)
        {
            const int n = 50;
            var ts = Enumerable.Range(0, n).Select(i => 5000.0 + i * 0.01).ToArray();
            if (format == ChannelFormat.String)
            {
                var data = Enumerable.Range(0, n * 3).Select(k => k % 7 == 0 ? "" : new string('x', k % 400) + k.ToString(CultureInfo.InvariantCulture)).ToArray();
                outlet.PushChunk(data.AsSpan(0, 30), ts.AsSpan(0, 10));
                for (var i = 10; i < n; i++) outlet.PushSample(data.AsSpan(i * 3, 3), ts[i]);
                var got = new string[3];
                for (var i = 0; i < n; i++)
                {
                    Assert.Equal(ts[i], inlet.PullSample(got, 3.0));
                    Assert.Equal(data.AsSpan(i * 3, 3).ToArray(), got);
                }
            }
            else
            {
                var values = Enumerable.Range(0, n * 3).Select(k => (long)(k * 37 % 120 - 60)).ToArray();
                outlet.PushChunk(values.AsSpan(0, 30), ts.AsSpan(0, 10));
                for (var i = 10; i < n; i++) outlet.PushSample(values.AsSpan(i * 3, 3), ts[i]);
                var got = new long[n * 3];
                var gotTs = new double[n];
                var read = 0;
                var sw = Stopwatch.StartNew();
                while (read < n && sw.Elapsed < TimeSpan.FromSeconds(3))
                    read += inlet.PullChunk(got.AsSpan(read * 3), gotTs.AsSpan(read), 0.5);
                Assert.Equal(n, read);
                Assert.Equal(values, got);
                Assert.Equal(ts, gotTs);
            }
            Assert.Equal(0, inlet.SamplesAvailable);
        }
    }

    [Fact]
    public void Chunk_with_one_timestamp_is_spaced_by_the_rate_and_deduced()
    {
        var config = LslTestSupport.LoopbackConfig();
        var (outlet, inlet) = Connect(new StreamInfo(LslTestSupport.UniqueName("chunk"), "EEG", 2, 250, ChannelFormat.Float32, "c"), config);
        using (outlet)
        using (inlet)
        {
            var data = Enumerable.Range(0, 20).Select(i => (float)i).ToArray();
            outlet.PushChunk(data, 100.0);
            var got = new float[20];
            var ts = new double[10];
            var read = 0;
            while (read < 10) read += inlet.PullChunk(got.AsSpan(read * 2), ts.AsSpan(read), 2.0);
            Assert.Equal(data, got);
            for (var i = 0; i < 10; i++) Assert.Equal(100.0 - (9 - i) / 250.0, ts[i], 9);
        }
    }

    [Fact]
    public void Known_peers_unicast_discovery_finds_every_outlet()
    {
        var basePort = 30000 + Random.Shared.Next(0, 20000);
        var config = LslTestSupport.LoopbackConfig();
        config.ResolveScope = "machine";
        config.MachineAddresses = [];
        config.KnownPeers = ["127.0.0.1"];
        config.BasePort = basePort;
        config.PortRange = 8;
        var prefix = LslTestSupport.UniqueName("kp");
        using var a = new StreamOutlet(new StreamInfo(prefix + "-a", "EEG", 1, 10), config: config);
        using var b = new StreamOutlet(new StreamInfo(prefix + "-b", "EEG", 1, 10), config: config);
        var found = LSL.ResolveByPred($"starts-with(name,'{prefix}')", 2, 3.0, config);
        Assert.Equal(new[] { a.Info.Uid, b.Info.Uid }.Order(), found.Select(f => f.Uid).Order());
        Assert.Empty(LSL.ResolveByProp("name", prefix + "-none", 1, 0.8, config));
    }

    [Fact]
    public void Time_correction_on_loopback_is_about_zero()
    {
        var config = LslTestSupport.LoopbackConfig();
        var (outlet, inlet) = Connect(new StreamInfo(LslTestSupport.UniqueName("tc"), "EEG", 1, 10, ChannelFormat.Float32, "tc"), config);
        using (outlet)
        using (inlet)
        {
            var correction = inlet.TimeCorrection(out var remote, out var uncertainty, 3.0);
            Assert.True(Math.Abs(correction) < 0.001, $"time correction {correction} s on one host");
            Assert.InRange(uncertainty, 0, 0.05);
            Assert.True(Math.Abs(remote - LslClock.LocalClock()) < 5);
        }
    }

    [Fact]
    public void Inlet_recovers_after_the_outlet_restarts_with_the_same_source_id()
    {
        var config = LslTestSupport.LoopbackConfig();
        var info = new StreamInfo(LslTestSupport.UniqueName("rec"), "EEG", 1, 100, ChannelFormat.Int32, "rec-src-" + Guid.NewGuid().ToString("N")[..6]);
        var (outletA, inlet) = Connect(info, config);
        var recoveries = new ConcurrentQueue<InletRecovery>();
        inlet.Recovered += recoveries.Enqueue;
        using (inlet)
        {
            var received = new List<int>();
            var sample = new int[1];
            var next = 0;
            for (; next < 20; next++) outletA.PushSample([next], 1000 + next * 0.01);
            while (received.Count < 20) { Assert.NotEqual(0.0, inlet.PullSample(sample, 2.0)); received.Add(sample[0]); }
            outletA.Dispose();
            var lostAt = Stopwatch.StartNew();
            using var outletB = new StreamOutlet(info, config: config);
            Assert.NotEqual(outletA.Info.Uid, outletB.Info.Uid);
            // Push continuously until the inlet has reconnected and received new samples.
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < TimeSpan.FromSeconds(3) && received.Count < 30)
            {
                outletB.PushSample([next], 1000 + next * 0.01);
                next++;
                if (inlet.PullSample(sample, 0.01) != 0.0) received.Add(sample[0]);
            }
            Assert.True(received.Count >= 30, $"resumed within 3 s: {received.Count - 20} samples after the restart");
            for (var i = 1; i < received.Count; i++) Assert.True(received[i] > received[i - 1], $"sample {received[i]} after {received[i - 1]}");
            Assert.Equal(1, inlet.RecoveryCount);
            var r = Assert.Single(recoveries);
            Assert.Equal((outletA.Info.Uid, outletB.Info.Uid), (r.PreviousUid, r.NewUid));
            Assert.Equal(1000 + 19 * 0.01, r.LastTimestampBefore, 9);
            Assert.True(r.Outage is > 0 and < 3);
        }
    }

    [Fact]
    public void A_client_that_never_reads_neither_blocks_others_nor_grows_without_bound()
    {
        var log = new ConcurrentQueue<string>();
        var config = LslTestSupport.LoopbackConfig(log);
        var (outlet, inlet) = Connect(new StreamInfo(LslTestSupport.UniqueName("slow"), "EEG", 64, 1000, ChannelFormat.Float32, "slow"), config);
        using (outlet)
        using (inlet)
        using (var stuck = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            stuck.ReceiveBufferSize = 4096;
            stuck.Connect(IPAddress.Loopback, outlet.Info.V4DataPort);
            stuck.Send(Encoding.ASCII.GetBytes($"LSL:streamfeed/110 {outlet.Info.Uid}\r\nValue-Size: 4\r\nMax-Buffer-Length: 500\r\n\r\n"));
            var sw = Stopwatch.StartNew();
            while (outlet.ConsumerCount < 2 && sw.Elapsed < TimeSpan.FromSeconds(2)) Thread.Sleep(5);
            Assert.Equal(2, outlet.ConsumerCount);
            var slow = outlet.Clients.Single(c => c.Queue.Capacity == 500);

            const int n = 30_000; // ~7.7 MB: far more than the stuck client's socket buffers hold
            var sample = new float[64];
            var got = new float[64 * 256];
            var ts = new double[256];
            var received = 0;
            var expectNext = 0f;
            for (var i = 0; i < n; i++)
            {
                sample[0] = i;
                outlet.PushSample(sample, 1 + i * 0.001);
                if (i % 256 == 255 || i == n - 1)
                {
                    int m;
                    while ((m = inlet.PullChunk(got, ts, 0)) > 0)
                        for (var k = 0; k < m; k++) { Assert.Equal(expectNext, got[k * 64]); expectNext++; received++; }
                }
            }
            sw.Restart();
            while (received < n && sw.Elapsed < TimeSpan.FromSeconds(3))
            {
                var m = inlet.PullChunk(got, ts, 0.2);
                for (var k = 0; k < m; k++) { Assert.Equal(expectNext, got[k * 64]); expectNext++; received++; }
            }
            Assert.Equal(n, received); // the reading inlet got everything, in order
            Assert.Equal(500, slow.Queue.Capacity); // memory for the stuck client is bounded by what it asked for
            Assert.True(slow.Queue.Written - slow.Queue.Dropped <= n);
            Assert.Equal(0, inlet.DroppedSamples);
        }
    }

    [Fact]
    public void Garbage_on_the_data_port_and_malformed_datagrams_are_refused_with_a_reason()
    {
        var log = new ConcurrentQueue<string>();
        var config = LslTestSupport.LoopbackConfig(log);
        var (outlet, inlet) = Connect(new StreamInfo(LslTestSupport.UniqueName("junk"), "EEG", 2, 100, ChannelFormat.Float32, "junk"), config);
        using (outlet)
        using (inlet)
        {
            foreach (var junk in new[] { new byte[] { 0xff, 0x00, 0x13, 0x37, (byte)'\r', (byte)'\n' }, Encoding.ASCII.GetBytes(new string('A', 10_000)),
                         Encoding.ASCII.GetBytes("LSL:streamfeed/abc\r\n\r\n") })
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Connect(IPAddress.Loopback, outlet.Info.V4DataPort);
                s.Send(junk);
                s.ReceiveTimeout = 3000;
                Assert.Equal(0, s.Receive(new byte[256])); // the outlet closed the connection without answering
            }
            using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                foreach (var d in new[] { "garbage", "LSL:shortinfo\r\nname='x' and (\r\n1 q\r\n", "LSL:shortinfo\r\n\r\nnotaport id\r\n", "LSL:timedata\r\nonly-one\r\n" })
                    udp.SendTo(Encoding.ASCII.GetBytes(d), new IPEndPoint(IPAddress.Loopback, outlet.Info.V4ServicePort));
            }
            // Malformed discovery replies are ignored by the resolver with a reason.
            Assert.Null(StreamResolver.ParseReply(Encoding.UTF8.GetBytes("7\r\n<info><name>x</name><channel_format>float99</channel_format></info>"), "7", IPAddress.Loopback, out var p1));
            Assert.Contains("unusable", p1);
            Assert.Null(StreamResolver.ParseReply(Encoding.UTF8.GetBytes("7\r\n<info><name>"), "7", IPAddress.Loopback, out var p2));
            Assert.NotNull(p2);
            Assert.Null(StreamResolver.ParseReply("no newline"u8, "7", IPAddress.Loopback, out var p3));
            Assert.NotNull(p3);

            var sw = Stopwatch.StartNew();
            while ((log.Count(l => l.Contains("closed the connection from", StringComparison.Ordinal)) < 3
                    || !log.Any(l => l.Contains("not valid XPath", StringComparison.Ordinal))) && sw.Elapsed < TimeSpan.FromSeconds(3)) Thread.Sleep(10);
            Assert.Equal(3, log.Count(l => l.Contains("closed the connection from", StringComparison.Ordinal)));
            Assert.Contains(log, l => l.Contains("unknown request", StringComparison.Ordinal));
            Assert.Contains(log, l => l.Contains("longer than", StringComparison.Ordinal));
            Assert.Contains(log, l => l.Contains("not valid XPath", StringComparison.Ordinal));

            // The outlet still serves its real client.
            outlet.PushSample([1f, 2f], 42.0);
            var got = new float[2];
            Assert.Equal(42.0, inlet.PullSample(got, 2.0));
            Assert.Equal([1f, 2f], got);
        }
    }

    [Fact]
    public void Corrupt_feed_bytes_close_the_inlet_connection_with_a_reason()
    {
        // A fake outlet: valid header, valid test patterns, then a string with an impossible length-prefix width.
        var log = new ConcurrentQueue<string>();
        var config = LslTestSupport.LoopbackConfig(log);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var info = new StreamInfo("fake", "Markers", 1, 0, ChannelFormat.String, "") { Uid = "u1", V4Address = "127.0.0.1", V4DataPort = ((IPEndPoint)listener.LocalEndPoint!).Port };
        var server = new Thread(() =>
        {
            using var s = listener.Accept();
            var buffer = new byte[4096];
            s.Receive(buffer);
            var b = new ByteBuffer();
            b.AddAscii("LSL/110 200 OK\r\nUID: u1\r\nByte-Order: 1234\r\nSuppress-Subnormals: 0\r\nData-Protocol-Version: 110\r\n\r\n");
            new SampleCodec(ChannelFormat.String, 1, 0, 110, false, false).EncodeTestPatterns(b);
            b.Add([0x02, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x03, 0x01, 0x41]); // width 3 does not exist
            s.Send(b.Span);
            Thread.Sleep(500);
        }) { IsBackground = true };
        server.Start();
        using var inlet = new StreamInlet(info, config: config);
        Assert.Throws<LslException>(() => inlet.PullSample(new string[1], 3.0)); // no source id: lost, with the reason
        Assert.Contains(log, l => l.Contains("width 3", StringComparison.Ordinal));
        server.Join(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Big_endian_clients_get_converted_bytes_that_our_decoder_reads()
    {
        var info = new StreamInfo("be", "EEG", 2, 100, ChannelFormat.Double64, "be") { Uid = "uid-be" };
        using var output = new MemoryStream();
        var request = "LSL:streamfeed/110 uid-be\r\nNative-Byte-Order: 4321\r\nEndian-Performance: 0\r\nMax-Buffer-Length: 10\r\n\r\n";
        var session = OutletRequestHandler.Handle(new FeedReader(new MemoryStream(Encoding.ASCII.GetBytes(request))), output, info, 110, 1024)!;
        Assert.True(session.Codec.BigEndian);
        var b = new ByteBuffer();
        var raw = new byte[16];
        ValueConvert.Store(new double[] { 1.5, -2.25 }, ChannelFormat.Double64, raw);
        session.Codec.Encode(b, 77.0, false, raw, default);
        output.Write(b.Span);
        var reader = new FeedReader(new MemoryStream(output.ToArray()));
        var codec = DataReceiver.ParseResponse(reader, "uid-be", ChannelFormat.Double64, 2, 100, 1024);
        codec.VerifyTestPatterns(reader);
        var back = new byte[16];
        Assert.Equal(77.0, codec.Decode(reader, back, default));
        Assert.Equal(raw, back);
        Assert.Equal(0x40, output.ToArray()[Encoding.ASCII.GetByteCount("LSL/110 200 OK\r\nUID: uid-be\r\nByte-Order: 4321\r\nSuppress-Subnormals: 0\r\nData-Protocol-Version: 110\r\n\r\n") + 1]);
    }

    [Fact]
    public void Configuration_file_keys_are_read_like_liblsl()
    {
        var c = LslConfig.Parse("""
            [ports]
            IPv6 = disable
            BasePort = 20000 ; comment
            PortRange = 4
            [multicast]
            ResolveScope = site
            AddressesOverride = {239.255.172.215}
            TTLOverride = 0
            Interfaces = {127.0.0.1}
            [lab]
            KnownPeers = {127.0.0.1, localhost}
            SessionID = lab1
            [tuning]
            UseProtocolVersion = 100
            """);
        Assert.Equal((20000, 4, "disable", 0, "lab1", 100), (c.BasePort, c.PortRange, c.IPv6, c.MulticastTtl, c.SessionId, c.UseProtocolVersion));
        Assert.Equal([IPAddress.Parse("239.255.172.215")], c.DiscoveryAddresses());
        Assert.Equal(["127.0.0.1", "localhost"], c.KnownPeers);
        var d = new LslConfig();
        Assert.Equal(["127.0.0.1", "255.255.255.255", "224.0.0.1", "224.0.0.183", "239.255.172.215"], d.DiscoveryAddresses().Select(a => a.ToString()));
        Assert.Equal((16571, 16572, 32, 24), (d.MulticastPort, d.BasePort, d.PortRange, d.MulticastTtl));
        Assert.Throws<LslException>(() => LslConfig.Parse("[ports]\nBasePort = many"));
    }
}
