using Pipeline.Core.Signals;

namespace Pipeline.Sinks.Xdf;

/// <summary>How an <see cref="XdfRecorderSink"/> paces its writes.</summary>
public sealed record XdfRecorderOptions
{
    /// <summary>Buffered samples reach the file at least this often (a crash loses at most about this much).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>A ClockOffset chunk per stream this often (LabRecorder: 5 s).</summary>
    public TimeSpan ClockOffsetInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>A Boundary chunk this often (LabRecorder: 10 s), so readers can resynchronise after damage.</summary>
    public TimeSpan BoundaryInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Names of the prediction values (class names), so the predictions header is written at once; null: at the first prediction.</summary>
    public IReadOnlyList<string>? PredictionNames { get; init; }
    /// <summary>The session's name, used in the recorded streams' names and source ids.</summary>
    public string Session { get; init; } = "session";
    /// <summary>
    /// The format the raw stream is declared and written in: float32 (the default) records the values chunks carry; a
    /// source whose chunks hold its values exactly in another format (<see cref="SignalChunk.Exact"/>, e.g. an LSL int32
    /// or double64 stream) names that format here and is recorded bit for bit. A chunk without exact values is written
    /// from its floats (rounded to the nearest integer for an integer format).
    /// </summary>
    public ValueFormat RawFormat { get; init; } = ValueFormat.Float32;
    /// <summary>
    /// Offset (s) to add to the raw stream's timestamps to reach this machine's LSL clock, sampled every
    /// <see cref="ClockOffsetInterval"/>; null: 0 (the timestamps are already in the local clock).
    /// </summary>
    public Func<double>? RawClockOffset { get; init; }
}
