using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Spectre.Console;

namespace Pipeline.Sinks.Console;

/// <summary>Options of the console sink.</summary>
/// <param name="MaxPredictionLinesPerSecond">Prediction lines printed per wall second at most (0: none, commands only).</param>
/// <param name="ShowMarkers">Print cue markers as they pass.</param>
public sealed record ConsoleSinkOptions(double MaxPredictionLinesPerSecond = 4, bool ShowMarkers = true);

/// <summary>
/// A readable live view for a person: commands as they happen, cue markers, gaps, predictions at a bounded rate
/// (a fast replay must not be slowed by the terminal), and a summary table at the end.
/// </summary>
public sealed class ConsoleSink : IPipelineSink
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly IAnsiConsole _console;
    private readonly ConsoleSinkOptions _options;
    private readonly long _minTicksBetweenLines;
    private long _lastLineTicks;
    private long _suppressed;

    /// <summary>Creates the sink on <paramref name="console"/> (default: the process's terminal).</summary>
    public ConsoleSink(ConsoleSinkOptions? options = null, IAnsiConsole? console = null)
    {
        _options = options ?? new ConsoleSinkOptions();
        _console = console ?? AnsiConsole.Console;
        _minTicksBetweenLines = _options.MaxPredictionLinesPerSecond > 0
            ? (long)(Stopwatch.Frequency / _options.MaxPredictionLinesPerSecond) : long.MaxValue;
    }

    /// <inheritdoc />
    public void OnPrediction(Prediction p)
    {
        if (_options.MaxPredictionLinesPerSecond <= 0) return;
        var now = Stopwatch.GetTimestamp();
        if (_lastLineTicks != 0 && now - _lastLineTicks < _minTicksBetweenLines) { _suppressed++; return; }
        _lastLineTicks = now;
        var time = p.EndTime.ToString("F2", Inv).PadLeft(9);
        string detail;
        if (p.Kind == "bandpower")
        {
            var (lo, hi) = (0, 0);
            for (var i = 1; i < p.Values.Length; i++)
            {
                if (p.Values[i] < p.Values[lo]) lo = i;
                if (p.Values[i] > p.Values[hi]) hi = i;
            }
            var mean = p.Values.Length == 0 ? 0 : p.Values.Average();
            detail = p.Values.Length == 0 ? "" :
                $"log10 power mean {mean:F2}, lowest {Markup.Escape(p.ValueNames[lo])} {p.Values[lo]:F2}, highest {Markup.Escape(p.ValueNames[hi])} {p.Values[hi]:F2}";
        }
        else
        {
            detail = $"{Markup.Escape(p.Label ?? "?")} [grey]p={p.Confidence:F2}[/]";
            if (p.Truth is not null) detail += $" [grey](cue {Markup.Escape(p.Truth)})[/]";
        }
        var skipped = _suppressed > 0 ? $" [grey](+{_suppressed} not shown)[/]" : "";
        _suppressed = 0;
        _console.MarkupLine($"[grey]{time}s[/] window {p.WindowIndex,6}  {detail}{skipped}");
    }

    /// <inheritdoc />
    public void OnTrial(Prediction p)
    {
        // One line per trial (every few seconds): never rate-limited, but not shown when only commands are wanted.
        if (_options.MaxPredictionLinesPerSecond <= 0) return;
        var mark = p.Truth is null ? "" : p.Truth == p.Label ? " [green]correct[/]" : " [red]wrong[/]";
        _console.MarkupLine($"[grey]{p.CueTime.ToString("F2", Inv).PadLeft(9)}s[/] trial  cue {Markup.Escape(p.Cue ?? "")}{(p.Truth is null ? "" : $" ({Markup.Escape(p.Truth)})")} → {Markup.Escape(p.Label ?? "?")} [grey]p={p.Confidence:F2}[/]{mark}");
    }

    /// <inheritdoc />
    public void OnCommand(Command c) =>
        _console.MarkupLine($"[grey]{c.Time.ToString("F2", Inv).PadLeft(9)}s[/] [bold green]COMMAND {Markup.Escape(c.Name)}[/] [grey](p={c.Confidence:F2}, window {c.WindowIndex})[/]");

    /// <inheritdoc />
    public void OnMarker(Marker m)
    {
        if (_options.ShowMarkers)
            _console.MarkupLine($"[grey]{m.Timestamp.ToString("F2", Inv).PadLeft(9)}s[/] [yellow]cue {Markup.Escape(m.Text)}[/]");
    }

    /// <inheritdoc />
    public void OnGap(Gap g) =>
        _console.MarkupLine($"[grey]{g.LastBefore.ToString("F2", Inv).PadLeft(9)}s[/] [red]gap of {g.Duration.ToString("F3", Inv)} s in {Markup.Escape(g.Stream)} ({g.MissingFrames} frames missing)[/]");

    /// <inheritdoc />
    public void OnCompleted(SessionSummary s)
    {
        var table = new Table().Title($"Session {Markup.Escape(s.Session)}").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        void Row(string k, string v) => table.AddRow(Markup.Escape(k), Markup.Escape(v));
        Row("signal duration", $"{s.SignalSeconds.ToString("F1", Inv)} s");
        Row("wall time", $"{s.WallSeconds.ToString("F2", Inv)} s ({(double.IsInfinity(s.RealTimeFactor) ? "-" : s.RealTimeFactor.ToString("F1", Inv))}x real time)");
        Row("frames", s.Frames.ToString(Inv));
        Row("windows", s.Windows.ToString(Inv));
        if (s.SkippedWindows > 0) Row("windows skipped (NaN/Inf)", s.SkippedWindows.ToString(Inv));
        if (s.DroppedWindows > 0) Row("windows dropped (model behind)", s.DroppedWindows.ToString(Inv));
        Row("commands", s.Commands.ToString(Inv));
        Row("gaps", s.Gaps == 0 ? "0" : $"{s.Gaps} ({s.GapSeconds.ToString("F3", Inv)} s missing)");
        if (s.OnlineAlignment) Row("online alignment: windows guarded", s.GuardedWindows.ToString(Inv));
        if (s.TrialAccuracy is { } ta) Row("trial accuracy (cue-locked epoch)", $"{ta * 100:F1} % of {s.Trials} trials ({Math.Round(ta * s.Trials)}/{s.Trials})");
        if (s.WindowTrialAccuracy is { } wta) Row("trial accuracy (mean of sliding windows)", $"{wta * 100:F1} % of {s.WindowTrials} trials");
        if (s.WindowAccuracy is { } wa) Row("window accuracy (windows inside trials)", $"{wa * 100:F1} %");
        if (s.SkippedTrials > 0) Row("trials skipped (NaN/Inf)", s.SkippedTrials.ToString(Inv));
        Row("latency p50 / p99", $"{s.LatencyP50Ms.ToString("F3", Inv)} / {s.LatencyP99Ms.ToString("F3", Inv)} ms");
        _console.Write(table);
    }

    /// <inheritdoc />
    public void Dispose() { }
}
