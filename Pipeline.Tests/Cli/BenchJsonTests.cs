using System.Text.Json;
using Pipeline.Host.Bench;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Cli;

/// <summary>Every benchmark's JSON is valid JSON: an undefined figure (NaN, ±Infinity) is written as null (issue 14 item 7).</summary>
public sealed class BenchJsonTests
{
    private sealed record Row(string Name, double Median, float Spread, double[] Samples, double? Missing);

    [Fact]
    public void Non_finite_doubles_and_floats_anywhere_become_null_and_finite_ones_survive()
    {
        var value = new
        {
            rows = new[] { new Row("a", double.NaN, float.PositiveInfinity, [1.5, double.NegativeInfinity, 3], null), new Row("b", 2.25, 0.5f, [], double.NaN) },
            top = double.PositiveInfinity,
        };
        var json = BenchJson.Serialize(value);
        Assert.DoesNotContain("NaN", json);
        Assert.DoesNotContain("Infinity", json);
        using var doc = JsonDocument.Parse(json);
        var rows = doc.RootElement.GetProperty("rows");
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("Median").ValueKind);
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("Spread").ValueKind);
        Assert.Equal([1.5, 3], rows[0].GetProperty("Samples").EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number).Select(e => e.GetDouble()));
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("Samples")[1].ValueKind);
        Assert.Equal(2.25, rows[1].GetProperty("Median").GetDouble());
        Assert.Equal(0.5, rows[1].GetProperty("Spread").GetDouble());
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("Missing").ValueKind);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("top").ValueKind);
    }

    [Fact]
    public void The_benchmark_outputs_kept_in_docs_bench_are_valid_json_without_nan_or_infinity()
    {
        var files = Directory.GetFiles(Path.Combine(SharedData.RepositoryRoot, "docs", "bench"), "*.json");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            // System.Text.Json refuses NaN and Infinity tokens, as every strict JSON reader does.
            var e = Record.Exception(() => JsonDocument.Parse(text).Dispose());
            Assert.True(e is null, $"{Path.GetFileName(file)}: {e?.Message}");
        }
    }
}
