using System.Diagnostics;
using System.Text.Json;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;

namespace Pipeline.Sinks.Files;

/// <summary>
/// Writes one JSON object per line: predictions, trials (each cued trial's epoch classified), commands, markers, gaps
/// and a closing summary. Field names are
/// stable and documented in docs/output-formats.md; every object has a <c>type</c> field.
/// </summary>
public sealed class JsonLinesSink : IPipelineSink
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };
    private readonly Stream _stream;
    private readonly Utf8JsonWriter _json;
    private readonly byte[] _newline = "\n"u8.ToArray();
    private JsonEncodedText[] _names = [];
    private IReadOnlyList<string>? _namesSource;
    private readonly PeriodicFlush _flush;

    /// <summary>Opens (creates or truncates) <paramref name="path"/>.</summary>
    public JsonLinesSink(string path)
    {
        _stream = FileSinkPaths.Create(path);
        _json = new Utf8JsonWriter(_stream, WriterOptions);
        // Lines reach the file at least once a second in a live run: a killed process loses at most the last second.
        _flush = new PeriodicFlush(_stream.Flush, TimeSpan.FromSeconds(1), "JSON Lines", path);
    }

    /// <inheritdoc />
    public void OnPrediction(Prediction p) => _flush.Write(this, p, static (sink, x) => sink.WritePrediction(x));

    private void WritePrediction(Prediction p)
    {
        _json.WriteStartObject();
        _json.WriteString("type"u8, "prediction"u8);
        _json.WriteString("session"u8, p.Session);
        _json.WriteNumber("window"u8, p.WindowIndex);
        _json.WriteNumber("t_start"u8, p.StartTime);
        _json.WriteNumber("t_end"u8, p.EndTime);
        _json.WriteString("kind"u8, p.Kind);
        if (p.Label is null) _json.WriteNull("label"u8); else _json.WriteString("label"u8, p.Label);
        _json.WriteNumber("confidence"u8, p.Confidence);
        if (p.Truth is not null) _json.WriteString("truth"u8, p.Truth);
        if (double.IsFinite(p.SegmentStart)) _json.WriteNumber("segment_start"u8, p.SegmentStart);
        if (double.IsFinite(p.SegmentEnd)) _json.WriteNumber("segment_end"u8, p.SegmentEnd);
        _json.WriteNumber("latency_ms"u8, Math.Round(ElapsedMs(p.NewestArrivalTicks), 4));
        WriteValues(p);
        _json.WriteEndObject();
        EndLine();
    }

    /// <inheritdoc />
    public void OnTrial(Prediction p) => _flush.Write(this, p, static (sink, x) => sink.WriteTrial(x));

    private void WriteTrial(Prediction p)
    {
        _json.WriteStartObject();
        _json.WriteString("type"u8, "trial"u8);
        _json.WriteString("session"u8, p.Session);
        _json.WriteString("cue"u8, p.Cue);
        _json.WriteNumber("t_cue"u8, p.CueTime);
        _json.WriteNumber("t_start"u8, p.StartTime);
        _json.WriteNumber("t_end"u8, p.EndTime);
        if (p.Label is null) _json.WriteNull("label"u8); else _json.WriteString("label"u8, p.Label);
        _json.WriteNumber("confidence"u8, p.Confidence);
        if (p.Truth is not null) _json.WriteString("truth"u8, p.Truth);
        WriteValues(p);
        _json.WriteEndObject();
        EndLine();
    }

    /// <inheritdoc />
    public void OnCommand(Command c) => _flush.Write(this, c, static (sink, x) => sink.WriteCommand(x));

    private void WriteCommand(Command c)
    {
        _json.WriteStartObject();
        _json.WriteString("type"u8, "command"u8);
        _json.WriteString("session"u8, c.Session);
        _json.WriteNumber("window"u8, c.WindowIndex);
        _json.WriteNumber("t"u8, c.Time);
        _json.WriteString("command"u8, c.Name);
        _json.WriteString("class"u8, c.ClassName);
        _json.WriteNumber("confidence"u8, c.Confidence);
        _json.WriteNumber("latency_ms"u8, Math.Round(ElapsedMs(c.NewestArrivalTicks), 4));
        _json.WriteEndObject();
        EndLine();
    }

    /// <inheritdoc />
    public void OnMarker(Marker m) => _flush.Write(this, m, static (sink, x) => sink.WriteMarker(x));

    private void WriteMarker(Marker m)
    {
        _json.WriteStartObject();
        _json.WriteString("type"u8, "marker"u8);
        _json.WriteNumber("t"u8, m.Timestamp);
        _json.WriteString("text"u8, m.Text);
        if (m.Duration > 0) _json.WriteNumber("duration"u8, m.Duration);
        if (m.Stream.Length > 0) _json.WriteString("stream"u8, m.Stream);
        _json.WriteEndObject();
        EndLine();
    }

    /// <inheritdoc />
    public void OnGap(Gap g) => _flush.Write(this, g, static (sink, x) => sink.WriteGap(x));

    private void WriteGap(Gap g)
    {
        _json.WriteStartObject();
        _json.WriteString("type"u8, "gap"u8);
        _json.WriteString("stream"u8, g.Stream);
        _json.WriteNumber("t_before"u8, g.LastBefore);
        _json.WriteNumber("t_after"u8, g.FirstAfter);
        _json.WriteNumber("duration"u8, g.Duration);
        _json.WriteNumber("missing_frames"u8, g.MissingFrames);
        _json.WriteEndObject();
        EndLine();
    }

    /// <inheritdoc />
    public void OnCompleted(SessionSummary s) => _flush.Write(this, s, static (sink, x) => sink.WriteCompleted(x));

    private void WriteCompleted(SessionSummary s)
    {
        _json.WriteStartObject();
        _json.WriteString("type"u8, "summary"u8);
        _json.WriteString("session"u8, s.Session);
        _json.WriteNumber("frames"u8, s.Frames);
        _json.WriteNumber("signal_seconds"u8, s.SignalSeconds);
        _json.WriteNumber("wall_seconds"u8, s.WallSeconds);
        _json.WriteNumber("windows"u8, s.Windows);
        _json.WriteNumber("skipped_windows"u8, s.SkippedWindows);
        if (s.DroppedWindows > 0) _json.WriteNumber("dropped_windows"u8, s.DroppedWindows);
        _json.WriteNumber("commands"u8, s.Commands);
        _json.WriteNumber("gaps"u8, s.Gaps);
        _json.WriteNumber("gap_seconds"u8, s.GapSeconds);
        // No window, no latency: null rather than a NaN that JSON cannot hold.
        WriteNumberOrNull("latency_p50_ms"u8, s.LatencyP50Ms);
        WriteNumberOrNull("latency_p99_ms"u8, s.LatencyP99Ms);
        if (s.WindowAccuracy is { } wa) _json.WriteNumber("window_accuracy"u8, wa);
        if (s.TrialAccuracy is { } ta) _json.WriteNumber("trial_accuracy"u8, ta);
        if (s.Trials > 0) _json.WriteNumber("trials"u8, s.Trials);
        if (s.WindowTrialAccuracy is { } wta) _json.WriteNumber("window_trial_accuracy"u8, wta);
        if (s.WindowTrials > 0) _json.WriteNumber("window_trials"u8, s.WindowTrials);
        if (s.Cues > 0) _json.WriteNumber("cues"u8, s.Cues);
        if (s.SkippedTrials > 0) _json.WriteNumber("skipped_trials"u8, s.SkippedTrials);
        if (s.OnlineAlignment)
        {
            _json.WriteString("alignment"u8, "online"u8);
            _json.WriteNumber("guarded_windows"u8, s.GuardedWindows);
        }
        _json.WriteEndObject();
        EndLine();
        _stream.Flush();
        _flush.Flushed();
    }

    // The names are encoded once per set of value names (a session keeps one), not per line.
    private void WriteValues(Prediction p)
    {
        if (!ReferenceEquals(_namesSource, p.ValueNames))
        {
            _namesSource = p.ValueNames;
            _names = p.ValueNames.Select(n => JsonEncodedText.Encode(n)).ToArray();
        }
        _json.WriteStartObject("values"u8);
        for (var i = 0; i < _names.Length; i++) _json.WriteNumber(_names[i], p.Values[i]);
        _json.WriteEndObject();
    }

    private void WriteNumberOrNull(ReadOnlySpan<byte> name, double value)
    {
        if (double.IsFinite(value)) _json.WriteNumber(name, value);
        else _json.WriteNull(name);
    }

    private void EndLine()
    {
        _json.Flush();
        _json.Reset();
        _stream.Write(_newline);
    }

    private static double ElapsedMs(long ticks) =>
        ticks == 0 ? 0 : (Stopwatch.GetTimestamp() - ticks) * 1000.0 / Stopwatch.Frequency;

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_flush.Gate)
        {
            _flush.Dispose();
            // On a full disk the last flush fails again; the handle is closed all the same, and the failure was reported at the write.
            try { _json.Dispose(); }
            catch (IOException) { }
            try { _stream.Dispose(); }
            catch (IOException) { }
        }
    }
}
