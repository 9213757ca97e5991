namespace Pipeline.Core.Inference;

/// <summary>
/// What a session computed for one window: a vector of named values (class probabilities from a model, or
/// per-channel band power before a model is wired in), the winning label and its confidence, and the timing
/// needed to measure latency.
/// </summary>
/// <remarks>
/// Like windows, a prediction handed to <c>OnNext</c> (or to a sink) is valid only during the call: the operator that
/// makes it reuses one instance. Keep a <see cref="Clone"/> (or use <see cref="Signals.Snapshots.Snapshot(IObservable{Prediction})"/>).
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
    /// <summary>True when the window starts a continuous stretch of signal (see <see cref="Signals.Window.StartsSegment"/>).</summary>
    public bool StartsSegment { get; set; }
    /// <summary>Start of the event the window was cut for (a speech segment), LSL clock, s; NaN for sliding windows.</summary>
    public double SegmentStart { get; set; } = double.NaN;
    /// <summary>End of the event the window was cut for, LSL clock, s; NaN for sliding windows.</summary>
    public double SegmentEnd { get; set; } = double.NaN;
    /// <summary>
    /// The cue marker whose cue-locked epoch (a trial) this prediction classified, e.g. <c>T1</c>; null for sliding
    /// windows. Trial predictions are scored for the session's trial accuracy and never lead to commands.
    /// </summary>
    public string? Cue { get; set; }
    /// <summary>The time stamp of that cue (LSL clock, s); NaN for sliding windows.</summary>
    public double CueTime { get; set; } = double.NaN;
    /// <summary>True for the prediction of a trial's cue-locked epoch (see <see cref="Cue"/>).</summary>
    public bool IsTrial => Cue is not null;

    /// <summary>Takes the window's identity and timing: index, times, arrival, segment (values, label and truth are left).</summary>
    public void DescribeWindow(Signals.Window window, string? session = null)
    {
        ArgumentNullException.ThrowIfNull(window);
        Session = session ?? window.Session;
        WindowIndex = window.Index;
        StartTime = window.StartTime;
        EndTime = window.EndTime;
        NewestArrivalTicks = window.NewestArrivalTicks;
        StartsSegment = window.StartsSegment;
        SegmentStart = window.SegmentStart;
        SegmentEnd = window.SegmentEnd;
        Cue = window.Label;
        CueTime = window.CueTime;
    }

    /// <summary>A deep copy that the caller owns.</summary>
    public Prediction Clone()
    {
        var p = new Prediction(Kind, ValueNames)
        {
            Session = Session, WindowIndex = WindowIndex, StartTime = StartTime, EndTime = EndTime, NewestArrivalTicks = NewestArrivalTicks,
            Label = Label, Confidence = Confidence, Truth = Truth, StartsSegment = StartsSegment, SegmentStart = SegmentStart, SegmentEnd = SegmentEnd,
            Cue = Cue, CueTime = CueTime,
        };
        Values.AsSpan().CopyTo(p.Values);
        return p;
    }
}
