namespace Pipeline.Tests.Fuzz;

/// <summary>The counts of a fuzz run per outcome, with the first few inputs of each bad class for the failure message.</summary>
internal sealed class FuzzReport(string reader)
{
    private readonly Dictionary<FuzzOutcome, int> _counts = Enum.GetValues<FuzzOutcome>().ToDictionary(o => o, _ => 0);
    private readonly List<string> _bad = [];

    public string Reader { get; } = reader;
    public int Total { get; private set; }
    public long MaxAllocated { get; private set; }
    public double MaxAllocatedPerInputByte { get; private set; }
    public TimeSpan Elapsed { get; set; }
    public int this[FuzzOutcome outcome] => _counts[outcome];
    public int Bad => _counts[FuzzOutcome.Escaped] + _counts[FuzzOutcome.Hang] + _counts[FuzzOutcome.OverBudget];
    public IReadOnlyList<string> BadInputs => _bad;

    public void Add(FuzzOutcome outcome, int index, string what, string detail, long size, long allocated)
    {
        Total++;
        _counts[outcome]++;
        MaxAllocated = Math.Max(MaxAllocated, allocated);
        if (size > 0) MaxAllocatedPerInputByte = Math.Max(MaxAllocatedPerInputByte, allocated / (double)size);
        if (outcome is FuzzOutcome.Escaped or FuzzOutcome.Hang or FuzzOutcome.OverBudget && _bad.Count < 8)
            _bad.Add($"#{index} {outcome} ({what}): {detail}");
    }

    public override string ToString() =>
        $"{Reader}: {Total} inputs in {Elapsed.TotalSeconds:F1} s — clean {this[FuzzOutcome.Clean]}, partial {this[FuzzOutcome.Partial]}, " +
        $"clear error {this[FuzzOutcome.ClearError]}, escaped {this[FuzzOutcome.Escaped]}, hang {this[FuzzOutcome.Hang]}, " +
        $"over 1 GB {this[FuzzOutcome.OverBudget]}; most allocated by one input {MaxAllocated / 1048576.0:F1} MB";
}
