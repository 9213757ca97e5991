using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;

namespace Pipeline.Sinks.Files;

/// <summary>
/// Writes predictions and commands as CSV rows with a fixed header: <c>type,session,window,t_start,t_end,label,
/// confidence,latency_ms,truth</c> followed by one column per value name of the first prediction (channels or
/// classes). Commands use <c>type=command</c>, <c>label</c> = command name, <c>t_end</c> = decision time. A trial's
/// cue-locked epoch is a <c>type=trial</c> row (its window is the trial's number). Markers, gaps and the summary are
/// not written (see the JSON Lines sink for those).
/// </summary>
public sealed class CsvSink : IPipelineSink
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly StreamWriter _writer;
    private IReadOnlyList<string>? _columns;
    private readonly string _path;
    private bool _headerWritten;
    private readonly PeriodicFlush _flush;

    /// <summary>Opens (creates or truncates) <paramref name="path"/>.</summary>
    public CsvSink(string path)
    {
        _path = path;
        _writer = new StreamWriter(FileSinkPaths.Create(path), new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        // Rows reach the file at least once a second in a live run: a killed process loses at most the last second.
        _flush = new PeriodicFlush(_writer.Flush, TimeSpan.FromSeconds(1), "CSV", path);
    }

    /// <inheritdoc />
    public void OnPrediction(Prediction p) => _flush.Write(this, p, static (sink, x) => sink.WritePrediction(x));

    private void WritePrediction(Prediction p)
    {
        if (!_headerWritten) WriteHeader(p.ValueNames);
        else if (_columns!.Count != p.ValueNames.Count)
            throw new PipelineException($"The CSV file '{_path}' has {_columns.Count} value columns but a prediction has {p.ValueNames.Count}; write one session per CSV file.");
        WriteCommon("prediction", p.Session, p.WindowIndex, p.StartTime, p.EndTime, p.Label, p.Confidence, p.NewestArrivalTicks, p.Truth);
        WriteValues(p);
    }

    /// <inheritdoc />
    public void OnTrial(Prediction p) => _flush.Write(this, p, static (sink, x) => sink.WriteTrial(x));

    private void WriteTrial(Prediction p)
    {
        if (!_headerWritten) WriteHeader(p.ValueNames);
        else if (_columns!.Count != p.ValueNames.Count) return; // a band-power CSV has no class columns
        WriteCommon("trial", p.Session, p.WindowIndex, p.StartTime, p.EndTime, p.Label, p.Confidence, 0, p.Truth);
        WriteValues(p);
    }

    private void WriteValues(Prediction p)
    {
        for (var i = 0; i < p.Values.Length; i++)
        {
            _writer.Write(',');
            _writer.Write(p.Values[i].ToString("R", Inv));
        }
        _writer.Write('\n');
    }

    /// <inheritdoc />
    public void OnCommand(Command c) => _flush.Write(this, c, static (sink, x) => sink.WriteCommand(x));

    private void WriteCommand(Command c)
    {
        if (!_headerWritten) WriteHeader([]);
        WriteCommon("command", c.Session, c.WindowIndex, double.NaN, c.Time, c.Name, c.Confidence, c.NewestArrivalTicks, null);
        for (var i = 0; i < _columns!.Count; i++) _writer.Write(',');
        _writer.Write('\n');
    }

    /// <inheritdoc />
    public void OnMarker(Marker marker) { }

    /// <inheritdoc />
    public void OnGap(Gap gap) { }

    /// <inheritdoc />
    public void OnCompleted(SessionSummary summary) => _flush.Write(this, summary, static (sink, _) =>
    {
        sink._writer.Flush();
        sink._flush.Flushed();
    });

    private void WriteHeader(IReadOnlyList<string> names)
    {
        _columns = names;
        _headerWritten = true;
        _writer.Write("type,session,window,t_start,t_end,label,confidence,latency_ms,truth");
        foreach (var n in names) { _writer.Write(','); _writer.Write(Escape(n)); }
        _writer.Write('\n');
    }

    private void WriteCommon(string type, string session, long window, double start, double end, string? label, float confidence, long arrival, string? truth)
    {
        _writer.Write(type); _writer.Write(',');
        _writer.Write(Escape(session)); _writer.Write(',');
        _writer.Write(window.ToString(Inv)); _writer.Write(',');
        if (!double.IsNaN(start)) _writer.Write(start.ToString("R", Inv));
        _writer.Write(',');
        _writer.Write(end.ToString("R", Inv)); _writer.Write(',');
        _writer.Write(Escape(label ?? "")); _writer.Write(',');
        _writer.Write(confidence.ToString("R", Inv)); _writer.Write(',');
        var ms = arrival == 0 ? 0 : (Stopwatch.GetTimestamp() - arrival) * 1000.0 / Stopwatch.Frequency;
        _writer.Write(Math.Round(ms, 4).ToString(Inv)); _writer.Write(',');
        _writer.Write(Escape(truth ?? ""));
    }

    private static string Escape(string s) =>
        s.AsSpan().IndexOfAny(",\"\n\r") < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_flush.Gate)
        {
            _flush.Dispose();
            // On a full disk the last flush fails again; the handle is closed all the same, and the failure was reported at the write.
            try { _writer.Dispose(); }
            catch (IOException) { }
        }
    }
}
