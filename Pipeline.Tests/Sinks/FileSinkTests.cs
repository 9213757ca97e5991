using System.Diagnostics;
using System.Reactive.Linq;
using System.Text.Json;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Sinks.Files;
using Pipeline.Tests.Cli;

namespace Pipeline.Tests.Sinks;

/// <summary>The JSON Lines and CSV sinks write the fields docs/output-formats.md promises, as observers of any stream.</summary>
public sealed class FileSinkTests
{
    private static Prediction Prediction(long window, float left, string? truth = null)
    {
        var p = new Prediction("probabilities", ["left", "right, or not"]) { Session = "s1", WindowIndex = window, StartTime = window, EndTime = window + 4, Label = left > 0.5 ? "left" : "right, or not", Confidence = Math.Max(left, 1 - left), Truth = truth, NewestArrivalTicks = Stopwatch.GetTimestamp() };
        p.Values[0] = left;
        p.Values[1] = 1 - left;
        return p;
    }

    private static readonly SessionEvent[] Session =
    [
        SessionEvent.FromMarker(new Marker(1.5, "left", 0, "cues")),
        SessionEvent.FromPrediction(Prediction(0, 0.75f, "left")),
        SessionEvent.FromCommand(new Command("s1", "turn-left", "left", 0.75f, 4, 0, Stopwatch.GetTimestamp())),
        SessionEvent.FromGap(new Gap("amp", 5, 6.5, 374)),
        SessionEvent.FromSummary(new SessionSummary { Session = "s1", Frames = 1000, SignalSeconds = 4, WallSeconds = 0.5, Windows = 1, Commands = 1, Gaps = 1, GapSeconds = 1.5, LatencyP50Ms = double.NaN, LatencyP99Ms = double.NaN, DroppedWindows = 2, WindowAccuracy = 1, TrialAccuracy = 1, Trials = 1 }),
    ];

    [Fact]
    public void Json_lines_hold_every_event_with_the_documented_fields()
    {
        using var file = new TempPath(".jsonl");
        using (var sink = new JsonLinesSink(file.Path))
            foreach (var e in Session) ((IObserver<SessionEvent>)sink).OnNext(e);
        var lines = File.ReadAllLines(file.Path).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["marker", "prediction", "command", "gap", "summary"], lines.Select(l => l.GetProperty("type").GetString()));
        var marker = lines[0];
        Assert.Equal((1.5, "left", "cues"), (marker.GetProperty("t").GetDouble(), marker.GetProperty("text").GetString(), marker.GetProperty("stream").GetString()));
        Assert.False(marker.TryGetProperty("duration", out _));
        var p = lines[1];
        Assert.Equal(["type", "session", "window", "t_start", "t_end", "kind", "label", "confidence", "truth", "latency_ms", "values"], p.EnumerateObject().Select(x => x.Name));
        Assert.Equal(0.75f, p.GetProperty("values").GetProperty("left").GetSingle());
        Assert.Equal(0.25f, p.GetProperty("values").GetProperty("right, or not").GetSingle());
        Assert.InRange(p.GetProperty("latency_ms").GetDouble(), 0, 60_000);
        var c = lines[2];
        Assert.Equal(("turn-left", "left", 0L, 4.0), (c.GetProperty("command").GetString(), c.GetProperty("class").GetString(), c.GetProperty("window").GetInt64(), c.GetProperty("t").GetDouble()));
        var g = lines[3];
        Assert.Equal((5.0, 6.5, 1.5, 374L), (g.GetProperty("t_before").GetDouble(), g.GetProperty("t_after").GetDouble(), g.GetProperty("duration").GetDouble(), g.GetProperty("missing_frames").GetInt64()));
        var s = lines[4];
        // No window, no latency: null (JSON has no NaN); dropped windows appear when there were any.
        Assert.Equal(JsonValueKind.Null, s.GetProperty("latency_p50_ms").ValueKind);
        Assert.Equal(2, s.GetProperty("dropped_windows").GetInt64());
        Assert.Equal(1, s.GetProperty("trials").GetInt32());
    }

    [Fact]
    public void A_speech_prediction_carries_its_segment_and_a_command_stream_alone_goes_to_the_same_sink()
    {
        using var file = new TempPath(".jsonl");
        using (var sink = new JsonLinesSink(file.Path))
        {
            var p = Prediction(3, 0.9f);
            p.SegmentStart = 10.25;
            p.SegmentEnd = 10.75;
            Observable.Return(p).Subscribe(sink);
            Observable.Return(new Command("s1", "left", "left", 0.9f, 11, 3, 0)).Subscribe(sink);
        }
        var lines = File.ReadAllLines(file.Path).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal((10.25, 10.75), (lines[0].GetProperty("segment_start").GetDouble(), lines[0].GetProperty("segment_end").GetDouble()));
        Assert.Equal("command", lines[1].GetProperty("type").GetString());
        Assert.Equal(0, lines[1].GetProperty("latency_ms").GetDouble());
    }

    [Fact]
    public void Csv_has_the_fixed_header_then_one_column_per_value_and_quotes_what_needs_it()
    {
        using var file = new TempPath(".csv");
        using (var sink = new CsvSink(file.Path))
            foreach (var e in Session) ((IObserver<SessionEvent>)sink).OnNext(e);
        var lines = File.ReadAllLines(file.Path);
        Assert.Equal("type,session,window,t_start,t_end,label,confidence,latency_ms,truth,left,\"right, or not\"", lines[0]);
        Assert.Equal(3, lines.Length); // markers, gaps and the summary are for JSON Lines
        var p = lines[1].Split(',');
        Assert.Equal(["prediction", "s1", "0", "0", "4", "left", "0.75"], p[..7]);
        Assert.Equal(["left", "0.75", "0.25"], p[8..]);
        var c = lines[2].Split(',');
        Assert.Equal(["command", "s1", "0", "", "4", "turn-left", "0.75"], c[..7]);
        Assert.Equal(["", "", ""], c[8..]);
        using var other = new TempPath(".csv");
        using var csv = new CsvSink(other.Path);
        csv.OnPrediction(Prediction(0, 0.5f));
        var wider = new Prediction("bandpower", ["a", "b", "c"]);
        Assert.Throws<PipelineException>(() => csv.OnPrediction(wider));
    }
}
