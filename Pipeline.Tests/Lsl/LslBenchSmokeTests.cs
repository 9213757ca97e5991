using System.Diagnostics;
using System.Text.Json;
using Pipeline.Tests.Cli;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Lsl;

/// <summary><c>pipeline lsl bench</c> on a short, small run: every sample arrives and the report says so.</summary>
public sealed class LslBenchSmokeTests
{
    [Fact]
    public void One_second_of_8_channels_at_1_kHz_arrives_complete_and_in_order()
    {
        using var json = new TempPath(".json");
        var sw = Stopwatch.StartNew();
        var r = PipelineCli.Run("lsl", "bench", "--channels", "8", "--rate", "1000", "--seconds", "1", "--chunk", "5", "--json", json.Path);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
        using var doc = JsonDocument.Parse(File.ReadAllText(json.Path));
        var root = doc.RootElement;
        Assert.Equal(1000, root.GetProperty("pushed").GetInt64());
        Assert.Equal(1000, root.GetProperty("received").GetInt64());
        Assert.Equal(0, root.GetProperty("lost").GetInt64());
        Assert.Equal(0, root.GetProperty("duplicates_or_reordered").GetInt64());
        Assert.Equal(0, root.GetProperty("corrupt").GetInt64());
        Assert.True(root.GetProperty("no_sample_lost").GetBoolean());
        // Latency is pull time minus push time on one clock: never negative, and on loopback far below a second.
        var latency = root.GetProperty("latency_ms");
        Assert.InRange(latency.GetProperty("p50").GetDouble(), 0, 1000);
        Assert.InRange(latency.GetProperty("max").GetDouble(), latency.GetProperty("p50").GetDouble(), 1000);
        Assert.Contains("no sample lost: yes", r.Out);
    }

    [Fact]
    public void The_lsl_config_file_is_honoured_ports_protocol_and_session_while_discovery_stays_on_this_machine()
    {
        using var cfg = new TempPath(".cfg");
        var port = FreeTcpAndUdpPort();
        File.WriteAllText(cfg.Path, $"""
            [ports]
            MulticastPort = {LslTestSupport.FreeUdpPort()}
            BasePort = {port}
            PortRange = 1
            AllowRandomPorts = false
            [multicast]
            ResolveScope = site
            [lab]
            SessionID = bench-config-test
            [tuning]
            UseProtocolVersion = 100
            """);
        var r = PipelineCli.Run("lsl", "bench", "--channels", "4", "--rate", "500", "--seconds", "1", "--chunk", "5", "--lsl-config", cfg.Path);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains($"data port {port}, service port {port}, protocol 100, session 'bench-config-test'", r.Out);
        Assert.Contains("no sample lost: yes", r.Out);

        var missing = PipelineCli.Run("lsl", "bench", "--seconds", "1", "--lsl-config", cfg.Path + ".absent");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--lsl-config", missing.Err);
    }

    /// <summary>A port number free for TCP and for UDP on this host right now (the outlet binds both to BasePort).</summary>
    private static int FreeTcpAndUdpPort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var tcp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            tcp.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0));
            var port = ((System.Net.IPEndPoint)tcp.LocalEndPoint!).Port;
            using var udp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
            try { udp.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Any, port)); return port; }
            catch (System.Net.Sockets.SocketException) { }
        }
        throw new InvalidOperationException("no port free for both TCP and UDP");
    }

    [Fact]
    public void More_samples_than_float32_indexes_exactly_is_refused_with_one_sentence()
    {
        var r = PipelineCli.Run("lsl", "bench", "--rate", "1000000", "--seconds", "20");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error:", r.Err);
        Assert.Contains("2^24", r.Err);
        Assert.DoesNotContain("   at ", r.All);
    }
}
