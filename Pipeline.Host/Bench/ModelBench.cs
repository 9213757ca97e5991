using System.Diagnostics;
using System.Text.Json;
using Pipeline.Core.Inference;

namespace Pipeline.Host.Bench;

/// <summary>One model at one batch size in <c>bench model</c>. GFLOP/s is NaN when the card gives no FLOP count.</summary>
internal sealed record ModelBenchRow(string Model, int Batch, int Runs, double MsPerWindowMedian, double MsPerWindowP10, double MsPerWindowP90,
    double MsPerWindowP99, double MflopPerWindow, double GflopPerSecond, double PercentOfPeak);

/// <summary>What <c>bench model</c> measured.</summary>
internal sealed record ModelBenchResult(string Device, int Threads, int Cores, double PeakGflopPerCore, double Seconds, IReadOnlyList<ModelBenchRow> Rows);

/// <summary>
/// Per-window model time of one or more models at several batch sizes, side by side: every (model, batch) pair runs a
/// short block per round (its first run, with another configuration's data in the cache, not counted), in an order
/// that rotates each round, until the time is up, so load from elsewhere falls on all alike. Inputs are the same seeded standard-normal windows for every model (what aligned EEG looks like); outputs
/// are not used. FLOPs per window come from the card's <c>export.flops_per_window</c> (written by export.py).
/// </summary>
internal static class ModelBench
{
    public static ModelBenchResult Run(IReadOnlyList<string> models, IReadOnlyList<int> batches, double seconds, ExecutionDevice device, int threads,
        double peakGflopPerCore, double? fallbackFlops = null, Action<string>? progress = null)
    {
        var options = new ModelRunnerOptions { Device = device, IntraOpThreads = threads, BatchSizes = batches, WarmUp = true };
        var runners = new List<ModelRunner>();
        try
        {
            foreach (var m in models) runners.Add(ModelRunner.Load(m, options, progress));
            var flops = models.Select(m => FlopsPerWindow(m) is var f && double.IsFinite(f) ? f : fallbackFlops ?? double.NaN).ToArray();
            var random = new Random(7);
            foreach (var r in runners)
                for (var b = 0; b < r.BatchSizes.Count; b++)
                    for (var slot = 0; slot < r.BucketSize(b); slot++)
                    {
                        var x = r.InputSlot(b, slot);
                        for (var i = 0; i < x.Length; i++) x[i] = (float)Gaussian(random);
                    }
            var pairs = (from m in Enumerable.Range(0, runners.Count) from b in Enumerable.Range(0, batches.Count) select (m, b)).ToArray();
            var times = pairs.Select(_ => new List<double>()).ToArray();
            foreach (var (m, b) in pairs)
                for (var i = 0; i < 3; i++) runners[m].RunBucket(runners[m].BucketFor(batches[b]));
            var end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            for (var round = 0; round < 5 || Stopwatch.GetTimestamp() < end; round++)
                for (var k = 0; k < pairs.Length; k++)
                {
                    var p = (k + round) % pairs.Length;
                    var (m, b) = pairs[p];
                    var bucket = runners[m].BucketFor(batches[b]);
                    // A short block of runs per turn, the first not counted: each configuration is timed with its own
                    // weights and buffers in the cache, as when it runs back to back in a server, while the turns
                    // still alternate so load from elsewhere falls on all alike.
                    var block = Math.Max(2, 16 / batches[b]);
                    for (var r = 0; r < block; r++)
                    {
                        runners[m].RunBucket(bucket);
                        if (r > 0) times[p].Add(runners[m].LastRunTicks * 1000.0 / Stopwatch.Frequency / batches[b]);
                    }
                }
            var rows = pairs.Select((pair, p) =>
            {
                var (m, b) = pair;
                var median = Stats.Median(times[p]);
                var gflops = flops[m] / (median / 1000) / 1e9;
                return new ModelBenchRow(Path.GetFileName(models[m]), batches[b], times[p].Count, median, Stats.Quantile(times[p], 0.1), Stats.Quantile(times[p], 0.9),
                    Stats.Quantile(times[p], 0.99), flops[m] / 1e6, gflops, gflops / (peakGflopPerCore * Math.Max(1, threads)) * 100);
            }).ToList();
            return new ModelBenchResult(runners[0].Device, threads, Environment.ProcessorCount, peakGflopPerCore, seconds, rows);
        }
        finally
        {
            foreach (var r in runners) r.Dispose();
        }
    }

    /// <summary>FLOPs of one window from the model card (export.flops_per_window), or NaN when the card has none.</summary>
    public static double FlopsPerWindow(string modelPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ModelCard.PathFor(modelPath)));
        return doc.RootElement.TryGetProperty("export", out var e) && e.TryGetProperty("flops_per_window", out var f) && f.TryGetDouble(out var v) ? v : double.NaN;
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
