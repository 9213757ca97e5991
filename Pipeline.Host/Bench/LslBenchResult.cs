namespace Pipeline.Host.Bench;

/// <summary>What one loopback benchmark measured (times in milliseconds unless named otherwise).</summary>
internal sealed record LslBenchResult
{
    public required LslBenchSettings Settings { get; init; }
    /// <summary>Wall time from the first push to the last, in seconds.</summary>
    public required double PushSeconds { get; init; }
    public required long Pushed { get; init; }
    public required long Received { get; init; }
    /// <summary>Samples whose index never arrived (the pushed total minus the distinct indices received).</summary>
    public required long Lost { get; init; }
    /// <summary>Places where the index jumped ahead.</summary>
    public required long Gaps { get; init; }
    /// <summary>Samples whose index was at or below one already seen (duplicate or reordered).</summary>
    public required long DuplicatesOrReordered { get; init; }
    /// <summary>Samples whose other channels did not hold the pattern pushed.</summary>
    public required long Corrupt { get; init; }
    /// <summary>What the inlet's own buffer dropped because the puller fell behind.</summary>
    public required long InletDropped { get; init; }
    public required double LatencyP50 { get; init; }
    public required double LatencyP95 { get; init; }
    public required double LatencyP99 { get; init; }
    public required double LatencyMax { get; init; }
    /// <summary>How late the pusher pushed each chunk after its due time (pacing, not transport).</summary>
    public required double PushLateP50 { get; init; }
    public required double PushLateP99 { get; init; }
    public required double PushLateMax { get; init; }
    public required double CpuPercentOfOneCore { get; init; }
    public required double CpuPercentOfMachine { get; init; }
    public required int ProcessorCount { get; init; }
    /// <summary>Thread-pool work items completed per second while pushing (socket completions hop through the pool).</summary>
    public required double ThreadPoolItemsPerSecond { get; init; }
    /// <summary>Distinct time-correction estimates read while pushing.</summary>
    public required int TimeCorrectionEstimates { get; init; }
    public required double TimeCorrectionErrorP50 { get; init; }
    public required double TimeCorrectionErrorMax { get; init; }
    public required double TimeCorrectionUncertaintyP50 { get; init; }
    public required double TimeCorrectionUncertaintyMax { get; init; }
    /// <summary>Bytes the puller thread allocated per sample after its first second.</summary>
    public required double PullBytesPerSample { get; init; }
    /// <summary>Bytes the pusher thread allocated per chunk after its first second.</summary>
    public required double PushBytesPerChunk { get; init; }

    /// <summary>The target of the issue: every sample arrives once, in order, intact.</summary>
    public bool NoSampleLost => Lost == 0 && DuplicatesOrReordered == 0 && Corrupt == 0 && InletDropped == 0 && Received == Pushed;

    /// <summary>The target of the issue: the time correction on one host (true offset 0) is off by under 0.2 ms.</summary>
    public bool TimeCorrectionWithinTarget => TimeCorrectionEstimates > 0 && TimeCorrectionErrorMax < 0.2;
}
