namespace Pipeline.Core.Decisions;

/// <summary>How probabilities become commands.</summary>
public sealed record DecisionOptions
{
    /// <summary>Combine the last <see cref="WindowCount"/> windows by mean or majority.</summary>
    public SmoothingMode Smoothing { get; init; } = SmoothingMode.Mean;
    /// <summary>Number of windows smoothed over (1 ≤ k ≤ <see cref="MaxWindowCount"/>).</summary>
    public int WindowCount { get; init; } = 4;

    /// <summary>The most windows smoothed over (at a 0.25 s hop, over four minutes): more is a typo, not a setting.</summary>
    public const int MaxWindowCount = 1000;
    /// <summary>The smoothed confidence must reach this (0..1) for a command.</summary>
    public double Threshold { get; init; } = 0.6;
    /// <summary>After a command, no other command for this many seconds (of signal time).</summary>
    public double RefractorySeconds { get; init; } = 1.0;
    /// <summary>A class that never produces a command (e.g. <c>rest</c>); null for none.</summary>
    public string? RestClass { get; init; }
    /// <summary>
    /// Classes that are decided like any other (their decision starts the refractory period) but never sent as commands,
    /// e.g. <c>unknown</c> for keyword spotting: a word that is not a command still keeps the next one from firing too soon.
    /// </summary>
    public IReadOnlyCollection<string> IgnoredClasses { get; init; } = [];
    /// <summary>Class → command name; classes not listed use their own name.</summary>
    public IReadOnlyDictionary<string, string> CommandNames { get; init; } = new Dictionary<string, string>();

    /// <summary>Throws a clear error for settings that cannot work.</summary>
    public void Validate()
    {
        if (WindowCount < 1) throw new Signals.PipelineException($"The smoothing window count {WindowCount} must be at least 1; use --smooth 1 for no smoothing.");
        if (WindowCount > MaxWindowCount) throw new Signals.PipelineException($"The smoothing window count {WindowCount} is more than {MaxWindowCount} windows; give a smaller --smooth (e.g. 4).");
        if (!(Threshold >= 0 && Threshold <= 1)) throw new Signals.PipelineException($"The confidence threshold {Threshold} must be between 0 and 1.");
        if (!(RefractorySeconds >= 0)) throw new Signals.PipelineException($"The refractory period {RefractorySeconds} s must not be negative.");
    }
}
