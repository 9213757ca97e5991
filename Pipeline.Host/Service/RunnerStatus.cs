namespace Pipeline.Host.Service;

/// <summary>One shared runner as <c>/status</c> shows it: a model on a device, its inference threads and who uses it.</summary>
internal sealed record RunnerStatus
{
    /// <summary>The model as the configuration names it.</summary>
    public required string Model { get; init; }
    /// <summary>Where it runs (the provider chosen: cpu or cuda).</summary>
    public required string Device { get; init; }
    /// <summary>Inference threads taking batches (fewer than configured only for a model that cannot give more buffers).</summary>
    public int Workers { get; init; }
    /// <summary>The largest batch it forms (chosen at warm-up when <c>inference.maxBatch</c> is 0).</summary>
    public int MaxBatch { get; init; }
    /// <summary>The sessions that decode on it now.</summary>
    public required IReadOnlyList<string> Sessions { get; init; }
    /// <summary>Batches and windows run since it was loaded, and the mean windows per batch.</summary>
    public long Batches { get; init; }
    public long Windows { get; init; }
    public double MeanBatch { get; init; }

    /// <summary>The runners the running sessions of <paramref name="host"/> use, in configuration order of their first session.</summary>
    public static IReadOnlyList<RunnerStatus> Of(SessionHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var runners = new List<(Core.Inference.BatchingModelRunner Runner, List<ServiceSession> Sessions)>();
        foreach (var s in host.Sessions)
        {
            if (s.Runner is not { } r) continue;
            var i = runners.FindIndex(x => ReferenceEquals(x.Runner, r));
            if (i < 0) runners.Add((r, [s]));
            else runners[i].Sessions.Add(s);
        }
        return runners.Select(x => new RunnerStatus
        {
            Model = x.Sessions[0].Configuration.Model?.Path ?? Path.GetFileName(x.Runner.Model.ModelPath),
            Device = x.Runner.Model.Device,
            Workers = x.Runner.Workers,
            MaxBatch = x.Runner.MaxBatch,
            Sessions = x.Sessions.Select(s => s.Id).ToArray(),
            Batches = x.Runner.Batches,
            Windows = x.Runner.WindowsRun,
            MeanBatch = Math.Round(x.Runner.MeanBatchSize, 3),
        }).ToList();
    }
}
