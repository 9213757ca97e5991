using System.Diagnostics;
using System.Text.Json;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Sinks.Files;
using Pipeline.Tests.Cli;

namespace Pipeline.Tests.Sinks;

/// <summary>
/// A live run's CSV and JSON Lines files reach the disk at least once a second while the sink stays open, so a process
/// killed outright (kill -9) leaves them readable up to about a second before (issue 14, item 2).
/// </summary>
public sealed class FileSinkFlushTests
{
    private static Prediction Prediction(long window)
    {
        var p = new Prediction("probabilities", ["left", "right"]) { Session = "s1", WindowIndex = window, StartTime = window, EndTime = window + 4, Label = "left", Confidence = 0.75f, NewestArrivalTicks = Stopwatch.GetTimestamp() };
        p.Values[0] = 0.75f;
        p.Values[1] = 0.25f;
        return p;
    }

    // What another process sees of the file now (the sink still holds it open for writing).
    private static string[] LinesOnDisk(string path)
    {
        using var read = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(read);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string[] WaitForLines(string path, int count)
    {
        // Polled, not timed: the promise is one second; a loaded machine gets five before the test gives up.
        var watch = Stopwatch.StartNew();
        string[] lines;
        while ((lines = LinesOnDisk(path)).Length < count && watch.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(50);
        return lines;
    }

    [Fact]
    public void Json_lines_written_while_the_sink_stays_open_reach_the_file_without_a_flush_or_a_close()
    {
        using var file = new TempPath(".jsonl");
        using var sink = new JsonLinesSink(file.Path);
        sink.OnPrediction(Prediction(0));
        sink.OnPrediction(Prediction(1));
        var lines = WaitForLines(file.Path, 2);
        Assert.Equal(2, lines.Length);
        Assert.Equal([0L, 1L], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("window").GetInt64()));
        // Later lines follow the same way.
        sink.OnPrediction(Prediction(2));
        Assert.Equal(3, WaitForLines(file.Path, 3).Length);
    }

    [Fact]
    public void Csv_rows_written_while_the_sink_stays_open_reach_the_file_without_a_flush_or_a_close()
    {
        using var file = new TempPath(".csv");
        using var sink = new CsvSink(file.Path);
        sink.OnPrediction(Prediction(0));
        var lines = WaitForLines(file.Path, 2);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("type,session,window", lines[0]);
        Assert.StartsWith("prediction,s1,0,", lines[1]);
    }

    [Fact]
    public void A_timed_flush_that_fails_ends_the_sink_at_its_next_write_not_the_process()
    {
        // /dev/full accepts the open and fails every write with ENOSPC: the failure surfaces on the session's thread.
        if (!File.Exists("/dev/full")) return;
        var sink = new JsonLinesSink("/dev/full");
        var watch = Stopwatch.StartNew();
        Exception? failure = null;
        for (var window = 0; failure is null && watch.Elapsed < TimeSpan.FromSeconds(5); window++)
        {
            failure = Record.Exception(() => sink.OnPrediction(Prediction(window)));
            Thread.Sleep(100);
        }
        // One sentence naming the file, the cause kept inside.
        var clear = Assert.IsType<PipelineException>(failure);
        Assert.Contains("'/dev/full' could not be written", clear.Message);
        Assert.IsAssignableFrom<IOException>(clear.InnerException);
        Record.Exception(sink.Dispose); // closing a file on a full disk may fail again; it must not hang
    }

    [Theory]
    [InlineData("jsonl")]
    [InlineData("csv")]
    public void A_trial_line_is_written_like_any_other_line_on_a_full_device_it_ends_the_sink_with_one_sentence(string kind)
    {
        // Trial lines go through the same lock and failure handling as predictions: before, they were written without
        // the flush's lock (racing the timer thread) and a failed flush never surfaced at a trial.
        if (!File.Exists("/dev/full")) return;
        IPipelineSink sink = kind == "jsonl" ? new JsonLinesSink("/dev/full") : new CsvSink("/dev/full");
        var watch = Stopwatch.StartNew();
        Exception? failure = null;
        for (var trial = 0; failure is null && watch.Elapsed < TimeSpan.FromSeconds(5); trial++)
        {
            var p = Prediction(trial);
            p.Cue = "left";
            p.CueTime = trial;
            failure = Record.Exception(() => sink.OnTrial(p));
            Thread.Sleep(100);
        }
        var clear = Assert.IsType<PipelineException>(failure);
        Assert.Contains("'/dev/full' could not be written", clear.Message);
        Record.Exception(sink.Dispose);
    }
}
