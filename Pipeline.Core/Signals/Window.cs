namespace Pipeline.Core.Signals;

/// <summary>
/// A window of a stream ready to be a model input: <see cref="Channels"/> x <see cref="Samples"/> float32 values,
/// channel-major and contiguous (all samples of channel 0, then channel 1, ...), the timestamps of its first
/// and last sample, the arrival time of its newest sample, and the session it belongs to.
/// </summary>
/// <remarks>
/// Like <see cref="SignalChunk"/>, a window handed to <c>OnNext</c> is only valid during that call: the
/// windowing operators reuse it. Keep a <see cref="Clone"/> (or use <see cref="Snapshots.Snapshot(IObservable{Window})"/>)
/// or copy <see cref="Data"/> into your own buffer.
/// </remarks>
public sealed class Window
{
    /// <summary>Creates an empty window with its own buffer.</summary>
    public Window(StreamDescription description, int samples, string session = "")
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        Description = description;
        Channels = description.ChannelCount;
        Samples = samples;
        Data = new float[Channels * samples];
        Session = session;
    }

    /// <summary>The stream the window was cut from.</summary>
    public StreamDescription Description { get; }
    /// <summary>Number of channels (rows).</summary>
    public int Channels { get; }
    /// <summary>Number of samples per channel (columns).</summary>
    public int Samples { get; }
    /// <summary>Values, channel-major: <c>Data[c * Samples + s]</c>.</summary>
    public float[] Data { get; }
    /// <summary>Timestamp of the first sample (LSL clock, seconds).</summary>
    public double StartTime { get; set; }
    /// <summary>Timestamp of the last sample (LSL clock, seconds).</summary>
    public double EndTime { get; set; }
    /// <summary>Local arrival time of the newest sample, Stopwatch ticks: latency is measured from here.</summary>
    public long NewestArrivalTicks { get; set; }
    /// <summary>The session this window belongs to.</summary>
    public string Session { get; set; }
    /// <summary>Running number of the window within its session, from 0.</summary>
    public long Index { get; set; }
    /// <summary>The label of an event-locked epoch (marker text); null for sliding windows.</summary>
    public string? Label { get; set; }
    /// <summary>
    /// The exact time of the marker an event-locked epoch was cut around (LSL clock, seconds); NaN for sliding
    /// windows. <see cref="StartTime"/> is the first sample at or after cue + tmin, so it can be up to a sample later.
    /// </summary>
    public double CueTime { get; set; } = double.NaN;
    /// <summary>
    /// True for the first window of a continuous stretch of signal: the first window of all, and the first after a
    /// gap or a backward time step. Decisions forget their history here.
    /// </summary>
    public bool StartsSegment { get; set; }
    /// <summary>Start (LSL clock, s) of the event this window was cut for, e.g. a speech segment; NaN for sliding windows.</summary>
    public double SegmentStart { get; set; } = double.NaN;
    /// <summary>End (LSL clock, s) of the event this window was cut for; NaN for sliding windows.</summary>
    public double SegmentEnd { get; set; } = double.NaN;

    /// <summary>Copies everything but the values (times, index, session, label, cue, segment) from <paramref name="other"/>.</summary>
    public void CopyInfoFrom(Window other)
    {
        ArgumentNullException.ThrowIfNull(other);
        StartTime = other.StartTime;
        EndTime = other.EndTime;
        NewestArrivalTicks = other.NewestArrivalTicks;
        Session = other.Session;
        Index = other.Index;
        Label = other.Label;
        CueTime = other.CueTime;
        StartsSegment = other.StartsSegment;
        SegmentStart = other.SegmentStart;
        SegmentEnd = other.SegmentEnd;
    }

    /// <summary>One channel's samples.</summary>
    public Span<float> Channel(int c) => Data.AsSpan(c * Samples, Samples);

    /// <summary>A deep copy that the caller owns.</summary>
    public Window Clone()
    {
        var w = new Window(Description, Samples, Session);
        w.CopyInfoFrom(this);
        Data.CopyTo(w.Data, 0);
        return w;
    }
}
