namespace Pipeline.Host.Bench;

/// <summary>PNG plots of <c>bench latency</c> (ScottPlot): latency distribution, and throughput and p99 against sessions.</summary>
internal static class LatencyPlots
{
    /// <summary>Writes <c>{stem}-latency.png</c> and <c>{stem}-throughput.png</c>; returns their paths.</summary>
    public static IReadOnlyList<string> Save(string stem, IReadOnlyList<LatencyBenchRow> rows)
    {
        var latencyPath = stem + "-latency.png";
        var throughputPath = stem + "-throughput.png";
        var dir = Path.GetDirectoryName(Path.GetFullPath(latencyPath));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);

        var cdf = new ScottPlot.Plot();
        foreach (var r in rows)
        {
            if (r.LatencySampleMs.Length == 0) continue;
            var xs = r.LatencySampleMs;
            var ys = Enumerable.Range(0, xs.Length).Select(i => 100.0 * (i + 1) / xs.Length).ToArray();
            var line = cdf.Add.ScatterLine(xs, ys);
            line.LegendText = $"{r.Mode}, {r.Phase} phase, {r.Sessions} sessions";
            line.LineWidth = 2;
        }
        cdf.Add.VerticalLine(50, 1, ScottPlot.Colors.Red).LegendText = "50 ms";
        cdf.Title("Latency: newest sample due → command out (cumulative)");
        cdf.XLabel("latency (ms)");
        cdf.YLabel("windows (%)");
        cdf.ShowLegend(ScottPlot.Alignment.LowerRight);
        cdf.SavePng(latencyPath, 1000, 600);

        var tp = new ScottPlot.Plot();
        foreach (var (mode, phase) in rows.Select(r => (r.Mode, r.Phase)).Distinct())
        {
            var mine = rows.Where(r => r.Mode == mode && r.Phase == phase).OrderBy(r => r.Sessions).ToArray();
            var s = tp.Add.Scatter(mine.Select(r => (double)r.Sessions).ToArray(), mine.Select(r => r.DecisionsPerSecond).ToArray());
            s.LegendText = $"{mode}, {phase}: decisions / s";
            s.LineWidth = 2;
            var p99 = tp.Add.Scatter(mine.Select(r => (double)r.Sessions).ToArray(), mine.Select(r => r.P99Ms).ToArray());
            p99.LegendText = $"{mode}, {phase}: p99 latency (ms)";
            p99.LinePattern = ScottPlot.LinePattern.Dashed;
            p99.Axes.YAxis = tp.Axes.Right;
        }
        tp.Title("Throughput and p99 latency against sessions (4 decisions / s each)");
        tp.XLabel("sessions");
        tp.YLabel("decisions per second");
        tp.Axes.Right.Label.Text = "p99 latency (ms)";
        tp.ShowLegend(ScottPlot.Alignment.UpperLeft);
        tp.SavePng(throughputPath, 1000, 600);
        return [latencyPath, throughputPath];
    }
}
