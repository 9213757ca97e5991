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
    public void More_samples_than_float32_indexes_exactly_is_refused_with_one_sentence()
    {
        var r = PipelineCli.Run("lsl", "bench", "--rate", "1000000", "--seconds", "20");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error:", r.Err);
        Assert.Contains("2^24", r.Err);
        Assert.DoesNotContain("   at ", r.All);
    }
}
