using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>How <see cref="Windowing.SlidingWindows"/> cuts a stream: a length and a hop, in samples or seconds.</summary>
public sealed record SlidingWindowOptions
{
    /// <summary>Window length in samples (takes precedence over <see cref="LengthSeconds"/>).</summary>
    public int? LengthSamples { get; init; }
    /// <summary>Window length in seconds, rounded to samples at the stream's nominal rate.</summary>
    public double? LengthSeconds { get; init; }
    /// <summary>Hop (start-to-start distance) in samples; may exceed the length (frames between windows are skipped).</summary>
    public int? HopSamples { get; init; }
    /// <summary>Hop in seconds, rounded to samples at the stream's nominal rate.</summary>
    public double? HopSeconds { get; init; }
    /// <summary>
    /// Where the first window of each continuous segment starts, in samples after the segment's first sample
    /// (taken modulo the hop; takes precedence over <see cref="PhaseSeconds"/>). Sessions that share a clock (started
    /// together on one machine) otherwise finish their windows at the same instants and queue for the model together;
    /// a phase per session spreads them. The hop and length, the session's own timing, are unchanged.
    /// </summary>
    public int? PhaseSamples { get; init; }
    /// <summary>The phase in seconds, rounded to samples at the stream's nominal rate (null and 0: none).</summary>
    public double? PhaseSeconds { get; init; }
    /// <summary>The session name stamped on every window.</summary>
    public string Session { get; init; } = "";

    /// <summary>Windows of the length <paramref name="card"/>'s model takes, every <paramref name="hopSeconds"/> seconds.</summary>
    public static SlidingWindowOptions ForModel(Inference.ModelCard card, double hopSeconds = 0.25, string session = "")
    {
        ArgumentNullException.ThrowIfNull(card);
        return new SlidingWindowOptions { LengthSamples = card.Window.Samples, HopSeconds = hopSeconds, Session = session };
    }

    /// <summary>The length and hop in samples for a stream at <paramref name="rate"/> Hz.</summary>
    public (int Length, int Hop) Resolve(double rate)
    {
        int length = LengthSamples ?? ToSamples(LengthSeconds, rate, "window length");
        int hop = HopSamples ?? ToSamples(HopSeconds, rate, "window hop");
        if (length < 1) throw new PipelineException($"The window length of {length} samples is too short; give at least one sample.");
        if (hop < 1) throw new PipelineException($"The window hop of {hop} samples is too short; give at least one sample.");
        return (length, hop);
    }

    /// <summary>The phase in samples for a stream at <paramref name="rate"/> Hz, modulo the hop: within [0, <paramref name="hop"/>).</summary>
    public int ResolvePhase(double rate, int hop)
    {
        int phase = PhaseSamples ?? (PhaseSeconds is null or 0 ? 0 : ToSamples(PhaseSeconds, rate, "window phase"));
        if (phase < 0) throw new PipelineException($"The window phase of {phase} samples is negative; give 0 or more.");
        return phase % hop;
    }

    private static int ToSamples(double? seconds, double rate, string what)
    {
        if (seconds is null) throw new PipelineException($"The {what} is not set; give it in samples or seconds.");
        if (!(rate > 0)) throw new PipelineException($"The {what} is given in seconds but the stream has no nominal rate; give it in samples.");
        return (int)Math.Round(seconds.Value * rate);
    }
}
