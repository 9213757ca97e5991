namespace Pipeline.Core.Inference;

/// <summary>
/// What a session computed for one window: a vector of named values (class probabilities from a model, or
/// per-channel band power before a model is wired in), the winning label and its confidence, and the timing
/// needed to measure latency.
/// </summary>
/// <remarks>
/// Like windows, a prediction handed to a sink is valid only during the call: <see cref="Values"/> is reused.
/// </remarks>
public sealed class Prediction
{
    /// <summary>Creates a prediction with room for the given value names.</summary>
    public Prediction(string kind, IReadOnlyList<string> valueNames)
    {
        ArgumentNullException.ThrowIfNull(valueNames);
        Kind = kind;
        ValueNames = valueNames;
        Values = new float[valueNames.Count];
    }

    /// <summary>What the values are: <c>probabilities</c> (a classifier) or <c>bandpower</c> (log10 power per channel).</summary>
    public string Kind { get; }
    /// <summary>Names of the values (class names or channel labels), in order.</summary>
    public IReadOnlyList<string> ValueNames { get; }
    /// <summary>The values, aligned with <see cref="ValueNames"/>.</summary>
    public float[] Values { get; }
    /// <summary>The session the window belongs to.</summary>
    public string Session { get; set; } = "";
    /// <summary>Running window number within the session.</summary>
    public long WindowIndex { get; set; }
    /// <summary>Timestamp of the window's first sample (LSL clock, s).</summary>
    public double StartTime { get; set; }
    /// <summary>Timestamp of the window's last sample (LSL clock, s).</summary>
    public double EndTime { get; set; }
    /// <summary>Arrival time (Stopwatch ticks) of the window's newest sample: latency is measured from here.</summary>
    public long NewestArrivalTicks { get; set; }
    /// <summary>The winning value's name (argmax), or null when the values are not a classification.</summary>
    public string? Label { get; set; }
    /// <summary>The winning value (a probability for classifiers).</summary>
    public float Confidence { get; set; }
    /// <summary>Ground truth where the recording has a cue for this window's time (evaluation), else null.</summary>
    public string? Truth { get; set; }
}
