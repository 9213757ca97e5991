using System.Runtime.InteropServices;
using System.Text.Json;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Preprocessing;

/// <summary>Reads models/dbconformer/online-ea.golden.json (format pipeline-online-ea-golden/1, written by alignment.py --golden).</summary>
public sealed class OnlineAlignmentGolden
{
    public static string FilePath => Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer", "online-ea.golden.json");

    public required double Tolerance { get; init; }
    public required IReadOnlyList<Case> Cases { get; init; }

    public sealed record Case
    {
        public required string Name { get; init; }
        public required int Count { get; init; }
        public required int Channels { get; init; }
        public required int Samples { get; init; }
        public required double[]? Reference { get; init; }
        public required double Warmup { get; init; }
        public required double EigenFloor { get; init; }
        public required float[] Windows { get; init; }
        public required float[] Expected { get; init; }
        public required double[] Matrices { get; init; }
        public required string[] Status { get; init; }
        public required int Accepted { get; init; }
        public required int Skipped { get; init; }
        public required int Guarded { get; init; }
        public float[]? SeedWindows { get; init; }
        public int SeedCount { get; init; }
        public double[]? SeedReference { get; init; }
        public override string ToString() => Name;
    }

    public static OnlineAlignmentGolden Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FilePath));
        var root = doc.RootElement;
        Assert.Equal("pipeline-online-ea-golden/1", root.GetProperty("format").GetString());
        var cases = new List<Case>();
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            var shape = c.GetProperty("windows").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var seed = c.TryGetProperty("seed", out var s) ? s : (JsonElement?)null;
            cases.Add(new Case
            {
                Name = c.GetProperty("name").GetString()!,
                Count = shape[0],
                Channels = shape[1],
                Samples = shape[2],
                Reference = c.GetProperty("reference").ValueKind == JsonValueKind.Null ? null : Rows(c.GetProperty("reference")),
                Warmup = c.GetProperty("warmup").GetDouble(),
                EigenFloor = c.GetProperty("eigenFloor").GetDouble(),
                Windows = Floats(c.GetProperty("windows")),
                Expected = Floats(c.GetProperty("expected")),
                Matrices = Doubles(c.GetProperty("matrices")),
                Status = c.GetProperty("status").EnumerateArray().Select(e => e.GetString()!).ToArray(),
                Accepted = c.GetProperty("accepted").GetInt32(),
                Skipped = c.GetProperty("skipped").GetInt32(),
                Guarded = c.GetProperty("guarded").GetInt32(),
                SeedWindows = seed is { } sw ? Floats(sw.GetProperty("windows")) : null,
                SeedCount = seed is { } sc ? sc.GetProperty("count").GetInt32() : 0,
                SeedReference = seed is { } sr ? Rows(sr.GetProperty("reference")) : null,
            });
        }
        return new OnlineAlignmentGolden { Tolerance = root.GetProperty("tolerance").GetProperty("abs").GetDouble(), Cases = cases };
    }

    private static float[] Floats(JsonElement t)
    {
        Assert.Equal("float32", t.GetProperty("dtype").GetString());
        return MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(t.GetProperty("data").GetString()!)).ToArray();
    }

    private static double[] Doubles(JsonElement t)
    {
        Assert.Equal("float64", t.GetProperty("dtype").GetString());
        return MemoryMarshal.Cast<byte, double>(Convert.FromBase64String(t.GetProperty("data").GetString()!)).ToArray();
    }

    private static double[] Rows(JsonElement rows) => rows.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray();
}
