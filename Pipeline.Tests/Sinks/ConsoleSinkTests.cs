using System.Diagnostics;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Sinks.Console;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Sinks;

/// <summary>What a person reads: commands, cues, gaps, bounded prediction lines and the summary; one line per spoken word.</summary>
public sealed class ConsoleSinkTests
{
    [Fact]
    public void Commands_cues_and_gaps_print_always_predictions_only_when_asked_and_the_summary_as_a_table()
    {
        var text = new TextConsole();
        var sink = new ConsoleSink(new ConsoleSinkOptions(MaxPredictionLinesPerSecond: 0, ShowMarkers: true), text.Console);
        var p = new Prediction("probabilities", ["left", "right"]) { WindowIndex = 7, EndTime = 12.5, Label = "left", Confidence = 0.8f, Truth = "left" };
        sink.OnPrediction(p); // commands-only mode: no line
        sink.OnCommand(new Command("s", "turn-left", "left", 0.81f, 12.5, 7, 0));
        sink.OnMarker(new Marker(10, "left"));
        sink.OnGap(new Gap("amp", 20, 21.25, 311));
        sink.OnCompleted(new SessionSummary { Session = "s", Frames = 2500, SignalSeconds = 10, WallSeconds = 2, Windows = 30, SkippedWindows = 1, DroppedWindows = 2, Commands = 3, Gaps = 1, GapSeconds = 1.25, LatencyP50Ms = 1.5, LatencyP99Ms = 9, WindowAccuracy = 0.9, TrialAccuracy = 1, Trials = 4 });
        var lines = text.Lines;
        Assert.Equal("    12.50s COMMAND turn-left (p=0.81, window 7)", lines[0]);
        Assert.Equal("    10.00s cue left", lines[1]);
        Assert.Equal("    20.00s gap of 1.250 s in amp (311 frames missing)", lines[2]);
        var table = text.Text;
        foreach (var row in new[] { "Session s", "5.0x real time", "windows skipped (NaN/Inf)", "windows dropped (model behind)", "1 (1.250 s missing)", "90.0 %", "100.0 % of 4 trials", "1.500 / 9.000 ms" })
            Assert.Contains(row, table);

        var withLines = new TextConsole();
        var chatty = new ConsoleSink(new ConsoleSinkOptions(MaxPredictionLinesPerSecond: 1000, ShowMarkers: false), withLines.Console);
        chatty.OnPrediction(p);
        chatty.OnMarker(new Marker(10, "left"));
        Assert.Equal(["    12.50s window      7  left p=0.80 (cue left)"], withLines.Lines);
    }

    [Fact]
    public void The_speech_view_prints_one_line_per_segment_with_its_command_and_the_latency_percentiles()
    {
        var text = new TextConsole();
        var sink = new SpeechConsoleSink(text.Console);
        IObserver<SessionEvent> events = sink;
        var yes = new Prediction("probabilities", ["yes", "no"]) { WindowIndex = 0, StartTime = 0.5, EndTime = 1.5, SegmentStart = 0.77, SegmentEnd = 1.34, Label = "yes", Confidence = 0.996f, NewestArrivalTicks = Stopwatch.GetTimestamp() };
        var command = new Command("listen", "YES", "yes", 0.996f, 1.5, 0, 0);
        events.OnNext(SessionEvent.FromPrediction(yes, command));
        events.OnNext(SessionEvent.FromCommand(command)); // shown on its prediction's line already
        var no = new Prediction("probabilities", ["yes", "no"]) { WindowIndex = 1, StartTime = 2, EndTime = 3, SegmentStart = 2.4, SegmentEnd = 2.94, Label = "no", Confidence = 0.41f };
        events.OnNext(SessionEvent.FromPrediction(no));
        events.OnNext(SessionEvent.FromSummary(new SessionSummary { DroppedWindows = 1 }));
        var lines = text.Lines;
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("     0.77 s  YES  p=1.00  speech 0.57 s  latency ", lines[0]);
        Assert.StartsWith("     2.40 s  no  p=0.41  speech 0.54 s  latency 60 ms", lines[1]);
        Assert.Equal("1 segment(s) dropped: the model could not keep up", lines[2]);
        Assert.StartsWith("2 segment(s); latency end of speech → label: p50 ", lines[3]);
        // End of speech → label: the audio after the segment (1.5 - 1.34 s) plus the time since that audio arrived.
        Assert.InRange(sink.Latencies[0], 0.16, 60);
        Assert.Equal(0.06, sink.Latencies[1], 6);
        var silent = new TextConsole();
        new SpeechConsoleSink(silent.Console).OnCompleted(new SessionSummary());
        Assert.Equal(["no speech was detected."], silent.Lines);
    }
}
