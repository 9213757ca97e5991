using System.Text.Json;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Cli;

/// <summary>The benchmark verbs run end to end and report what they measured (they are measurements, not timed tests).</summary>
public class BenchSmokeTests
{
    [Fact]
    public void Bench_loopback_times_every_decision_over_lsl_on_loopback()
    {
        using var json = new TempPath(".json");
        var r = PipelineCli.Run("bench", "loopback", "--seconds", "7", "--json", json.Path);
        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(File.ReadAllText(json.Path));
        var root = doc.RootElement;
        // 7 s at 250 Hz, 4 s windows every 0.25 s: 13 decisions, each one a command (no threshold in the bench).
        Assert.InRange(root.GetProperty("Commands").GetInt64(), 11, 13);
        Assert.Equal(0, root.GetProperty("Gaps").GetInt64());
        var p50 = root.GetProperty("P50Ms").GetDouble();
        Assert.InRange(p50, 0, root.GetProperty("SampledP50Ms").GetDouble() + 1e-9);
    }

    [Fact]
    public void Bench_latency_reports_rows_for_each_mode_and_session_count()
    {
        using var json = new TempPath(".json");
        var r = PipelineCli.Run("bench", "latency", "--sessions", "1,3", "--seconds", "2", "--warmup", "4.5", "--json", json.Path);
        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(File.ReadAllText(json.Path));
        var rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(4, rows.Count);
        Assert.Equal(["batched", "unbatched", "batched", "unbatched"], rows.Select(x => x.GetProperty("Mode").GetString()));
        foreach (var row in rows)
        {
            Assert.True(row.GetProperty("Windows").GetInt64() > 0);
            Assert.True(row.GetProperty("P99Ms").GetDouble() >= row.GetProperty("P50Ms").GetDouble());
        }
        Assert.Equal(1, rows.Last(x => x.GetProperty("Mode").GetString() == "unbatched").GetProperty("MaxBatch").GetInt32());
    }
}
