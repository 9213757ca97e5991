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
    public void Bench_latency_reports_rows_for_each_mode_phase_and_session_count_as_valid_json()
    {
        using var json = new TempPath(".json");
        var r = PipelineCli.Run("bench", "latency", "--sessions", "3", "--phase", "random,aligned", "--seconds", "1.5", "--warmup", "4.5", "--json", json.Path);
        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(File.ReadAllText(json.Path));
        var rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(4, rows.Count);
        // Side by side: for each phase, both modes in turn.
        Assert.Equal(["unbatched", "workers", "unbatched", "workers"], rows.Select(x => x.GetProperty("Mode").GetString()));
        Assert.Equal(["random", "random", "aligned", "aligned"], rows.Select(x => x.GetProperty("Phase").GetString()));
        foreach (var row in rows)
        {
            Assert.True(row.GetProperty("Windows").GetInt64() > 0);
            Assert.True(row.GetProperty("P99Ms").GetDouble() >= row.GetProperty("P50Ms").GetDouble());
            // Timed from the moment the newest sample was due, so never negative; from the window's own end it is later still.
            Assert.True(row.GetProperty("P50Ms").GetDouble() >= 0);
            Assert.True(row.GetProperty("WindowEndP50Ms").GetDouble() >= row.GetProperty("P50Ms").GetDouble() - 1e-9);
        }
        Assert.Equal(1, rows.Where(x => x.GetProperty("Mode").GetString() == "unbatched").Select(x => x.GetProperty("MaxBatch").GetInt32()).Distinct().Single());
        Assert.Equal(1, rows.Where(x => x.GetProperty("Mode").GetString() == "unbatched").Select(x => x.GetProperty("Workers").GetInt32()).Distinct().Single());
        Assert.Equal(Environment.ProcessorCount, rows.First(x => x.GetProperty("Mode").GetString() == "workers").GetProperty("Workers").GetInt32());
    }

    [Fact]
    public void Bench_replay_json_is_valid_and_says_null_where_a_figure_is_not_measured()
    {
        using var json = new TempPath(".json");
        var r = PipelineCli.Run("bench", "replay", Path.Combine("recordings", "demo-mi.xdf"), "--repeat", "1", "--json", json.Path);
        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(File.ReadAllText(json.Path));
        var rows = doc.RootElement.GetProperty("Rows").EnumerateArray().ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, row => Assert.True(row.GetProperty("RtfMedian").GetDouble() > 1));
        // The whole-file row has no per-chunk times: null, not NaN (which is not JSON).
        Assert.Equal(JsonValueKind.Null, rows[^1].GetProperty("ChunkUsP50").ValueKind);
        Assert.Equal(JsonValueKind.Number, rows[0].GetProperty("ChunkUsP50").ValueKind);
    }

    [Fact]
    public void Bench_inference_json_is_valid_with_both_runners_timed_on_the_same_windows()
    {
        using var json = new TempPath(".json");
        var r = PipelineCli.Run("bench", "inference", "--repeat", "1", "--json", json.Path);
        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(File.ReadAllText(json.Path));
        var rows = doc.RootElement.GetProperty("Rows").EnumerateArray().ToDictionary(x => x.GetProperty("Measure").GetString()!, x => x);
        var ours = rows.Single(p => p.Key.StartsWith("pre-bound IoBinding runner", StringComparison.Ordinal)).Value;
        var theirs = rows.Single(p => p.Key.StartsWith("ONNX Runtime's allocating Run", StringComparison.Ordinal)).Value;
        // Interleaved pairs: the same number of calls each.
        Assert.Equal(ours.GetProperty("Count").GetInt64(), theirs.GetProperty("Count").GetInt64());
        Assert.Equal(0, ours.GetProperty("BytesPerWindow").GetDouble());
        Assert.True(theirs.GetProperty("BytesPerWindow").GetDouble() > 0);
        // The model-run row counts no bytes: null.
        Assert.Equal(JsonValueKind.Null, rows.Single(p => p.Key.StartsWith("model run inside", StringComparison.Ordinal)).Value.GetProperty("BytesPerWindow").ValueKind);
        Assert.True(doc.RootElement.GetProperty("Batch32OverheadPercent").ValueKind is JsonValueKind.Number or JsonValueKind.Null);
    }

    [Fact]
    public void Bench_model_json_is_valid_and_reports_every_model_at_every_batch_with_its_flops()
    {
        using var json = new TempPath(".json");
        var r = PipelineCli.Run("bench", "model", "--batch", "1,2", "--seconds", "1", "--json", json.Path);
        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(File.ReadAllText(json.Path));
        var rows = doc.RootElement.GetProperty("Rows").EnumerateArray().ToList();
        // The demo model and its int8 variant, each at batch 1 and 2.
        Assert.Equal(4, rows.Count);
        Assert.Equal(["dbconformer-demo.onnx", "dbconformer-demo.onnx", "dbconformer-demo-int8.onnx", "dbconformer-demo-int8.onnx"], rows.Select(x => x.GetProperty("Model").GetString()));
        foreach (var row in rows)
        {
            // 12.9 MFLOP per window from the card (DBConformer 22 x 1000).
            Assert.InRange(row.GetProperty("MflopPerWindow").GetDouble(), 12.8, 13.0);
            Assert.True(row.GetProperty("MsPerWindowMedian").GetDouble() > 0);
            Assert.True(row.GetProperty("Runs").GetInt32() >= 5);
        }
    }
}
