using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Spectre.Console;

namespace Pipeline.Sinks.Console;

/// <summary>
/// The speech path's live view: one line per classified speech segment (its start, the command in green or the label
/// in grey, the confidence, the length of speech, and the latency from the end of speech to the label), and at the
/// end the latency percentiles. Latency = the audio that followed the speech until the VAD closed the segment, plus
/// the time from that audio's arrival to this line ("inference": the VAD's last frame and the model).
/// </summary>
public sealed class SpeechConsoleSink : IPipelineSink
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly IAnsiConsole _console;
    private readonly List<double> _latencies = [];
    private readonly bool _commandsOnly;

    /// <summary>
    /// Creates the sink on <paramref name="console"/> (default: the process's terminal); with
    /// <paramref name="commandsOnly"/> (<c>--quiet</c>) only segments that gave a command get a line (the summary still
    /// counts every segment).
    /// </summary>
    public SpeechConsoleSink(IAnsiConsole? console = null, bool commandsOnly = false)
    {
        _console = console ?? AnsiConsole.Console;
        _commandsOnly = commandsOnly;
    }

    /// <summary>End of speech → label of every segment so far, seconds, in order.</summary>
    public IReadOnlyList<double> Latencies => _latencies;

    /// <summary>A prediction event carries its command, so the line shows it.</summary>
    void IObserver<SessionEvent>.OnNext(SessionEvent value)
    {
        switch (value.Kind)
        {
            case SessionEventKind.Prediction: Line(value.Prediction!, value.Command); break;
            case SessionEventKind.Summary: OnCompleted(value.Summary!); break;
        }
    }

    /// <inheritdoc />
    public void OnPrediction(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        Line(prediction, null);
    }

    private void Line(Prediction p, Command? command)
    {
        var inference = p.NewestArrivalTicks == 0 ? 0 : Stopwatch.GetElapsedTime(p.NewestArrivalTicks).TotalSeconds;
        var latency = (double.IsFinite(p.SegmentEnd) ? p.EndTime - p.SegmentEnd : 0) + inference;
        _latencies.Add(latency);
        if (_commandsOnly && command is null) return;
        var what = command is null ? $"[grey]{Markup.Escape(p.Label ?? "?")}[/]" : $"[bold green]{Markup.Escape(command.Name)}[/]";
        var start = double.IsFinite(p.SegmentStart) ? p.SegmentStart : p.StartTime;
        var speech = double.IsFinite(p.SegmentStart) && double.IsFinite(p.SegmentEnd) ? p.SegmentEnd - p.SegmentStart : p.EndTime - p.StartTime;
        _console.MarkupLine($"{start.ToString("F2", Inv),9} s  {what}  p={p.Confidence.ToString("F2", Inv)}  speech {speech.ToString("F2", Inv)} s  latency {(latency * 1000).ToString("F0", Inv)} ms (inference {(inference * 1000).ToString("F0", Inv)} ms)");
    }

    /// <summary>Commands show on their prediction's line.</summary>
    public void OnCommand(Command command) { }

    /// <inheritdoc />
    public void OnMarker(Marker marker) { }

    /// <inheritdoc />
    public void OnGap(Gap gap) =>
        _console.MarkupLine($"[red]{gap.LastBefore.ToString("F2", Inv),9} s  audio lost: {gap.Duration.ToString("F3", Inv)} s missing[/]");

    /// <inheritdoc />
    public void OnCompleted(SessionSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (summary.DroppedWindows > 0) _console.MarkupLine($"[yellow]{summary.DroppedWindows} segment(s) dropped: the model could not keep up[/]");
        if (_latencies.Count == 0)
        {
            _console.MarkupLine("no speech was detected.");
            return;
        }
        var sorted = _latencies.Order().ToList();
        double P(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)] * 1000;
        _console.MarkupLine($"{sorted.Count} segment(s); latency end of speech → label: p50 {P(0.5).ToString("F0", Inv)} ms, p99 {P(0.99).ToString("F0", Inv)} ms, max {(sorted[^1] * 1000).ToString("F0", Inv)} ms");
    }

    /// <inheritdoc />
    public void Dispose() { }
}
