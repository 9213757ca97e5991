using System.Reactive;
using System.Reactive.Linq;
using Pipeline.Core.Operators;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Sources.Replay;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Sessions;

public class DecodingSessionTests
{
    private static string DemoModel => Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx");
    private static string DemoRecording => Path.Combine(SharedData.RepositoryRoot, "recordings", "demo-mi.xdf");

    private static StreamDescription DemoStream()
    {
        using var r = Recording.Open(DemoRecording);
        return r.ChooseSignalStream().Description;
    }

    [Fact]
    public void Windows_with_nan_or_infinite_samples_are_skipped_and_counted_never_fed_to_the_model()
    {
        var stream = DemoStream();
        var sink = new CollectingSink();
        using var model = ModelRunner.Load(DemoModel);
        var session = DecodingSession.Create(stream, new DecodingOptions { HopSeconds = 1 }, model);
        // 20 s of clean noise with one NaN sample at 9 s and one +Inf at 15 s: every 4 s window holding either is skipped.
        var rng = new Random(5);
        var events = Observable.Range(0, 200).Select(k =>
        {
            var chunk = new SignalChunk(stream, 25);
            chunk.Reset(stream, 25);
            for (var f = 0; f < 25; f++)
            {
                var t = (k * 25 + f) / 250.0;
                chunk.Timestamps[f] = t;
                for (var c = 0; c < stream.ChannelCount; c++) chunk.Frame(f)[c] = (float)(rng.NextDouble() * 20 - 10);
            }
            if (k == 90) chunk.Frame(3)[5] = float.NaN;
            if (k == 150) chunk.Frame(0)[0] = float.PositiveInfinity;
            return SourceEvent.FromChunk(chunk);
        });
        var summary = session.Run(events, CancellationToken.None, sink);
        // Windows end at 4, 5, ..., 20 s (17 windows); those containing 9.012 s (ends 10..13 → 4) or 15.0 s (ends 16..19 → 4) are skipped.
        Assert.Equal(17, summary.Windows);
        Assert.Equal(8, summary.SkippedWindows);
        Assert.Equal(9, sink.Predictions.Count);
        Assert.All(sink.Predictions, p => Assert.All(p.Values, v => Assert.True(float.IsFinite(v))));
        Assert.Same(summary, sink.Summary);
    }

    [Fact]
    public void A_staggered_session_cuts_its_windows_a_phase_later_with_its_own_hop_and_length_unchanged()
    {
        var stream = DemoStream();
        CollectingSink Run(double phase)
        {
            using var recording = Recording.Open(DemoRecording);
            var source = new ReplaySource(recording, new ReplayOptions { Fast = true }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
            var sink = new CollectingSink();
            using var model = ModelRunner.Load(DemoModel);
            DecodingSession.Create(source.Description, new DecodingOptions { PhaseSeconds = phase }, model).Run(source, CancellationToken.None, sink);
            return sink;
        }
        var plain = Run(0);
        var staggered = Run(0.125); // half a hop: 31 samples at 250 Hz
        Assert.InRange(staggered.Predictions.Count, plain.Predictions.Count - 1, plain.Predictions.Count);
        for (var i = 0; i < staggered.Predictions.Count; i++)
            Assert.Equal(plain.Predictions[i].EndTime + 31 / stream.NominalRate, staggered.Predictions[i].EndTime, 6);
        Assert.Equal(plain.Predictions.Zip(plain.Predictions.Skip(1)).Select(p => Math.Round(p.Second.EndTime - p.First.EndTime, 6)).Distinct(),
            staggered.Predictions.Zip(staggered.Predictions.Skip(1)).Select(p => Math.Round(p.Second.EndTime - p.First.EndTime, 6)).Distinct());
    }

    [Fact]
    public void Demo_replay_reaches_at_least_90_percent_trial_accuracy_and_scores_only_cued_windows()
    {
        using var recording = Recording.Open(DemoRecording);
        var source = new ReplaySource(recording, new ReplayOptions { Fast = true }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
        var sink = new CollectingSink();
        using var model = ModelRunner.Load(DemoModel);
        var session = DecodingSession.Create(source.Description, new DecodingOptions(), model);
        var summary = session.Run(source, CancellationToken.None, sink);
        Assert.True(summary.TrialAccuracy >= 0.9, $"trial accuracy {summary.TrialAccuracy}");
        Assert.InRange(summary.Trials, 20, 23);
        var scored = sink.Predictions.Where(p => p.Truth is not null).ToList();
        Assert.InRange(scored.Count, 20 * 8, 23 * 14);
        Assert.Equal(summary.WindowAccuracy!.Value, scored.Count(p => p.Label == p.Truth) / (double)scored.Count, 9);
        // Commands name classes of the model and respect the 1 s refractory period.
        Assert.NotEmpty(sink.Commands);
        Assert.All(sink.Commands.Zip(sink.Commands.Skip(1)), pair => Assert.True(pair.Second.Time - pair.First.Time >= 1.0));
        Assert.All(sink.Commands, c => Assert.Contains(c.ClassName, new[] { "left", "right" }));
    }

    [Fact]
    public void Sessions_sharing_a_batching_runner_give_the_same_predictions_and_commands_as_direct_runs()
    {
        CollectingSink Replay(BatchingModelRunner? shared, string name)
        {
            using var recording = Recording.Open(DemoRecording);
            var source = new ReplaySource(recording, new ReplayOptions { Fast = true }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
            var sink = new CollectingSink();
            var options = new DecodingOptions { Session = name, BlockWhenFull = true };
            using var own = shared is null ? ModelRunner.Load(DemoModel) : null;
            var session = shared is null ? DecodingSession.Create(source.Description, options, own) : DecodingSession.Create(source.Description, options, shared);
            session.Run(source, CancellationToken.None, sink);
            return sink;
        }
        var direct = Replay(null, "direct");
        using var shared = BatchingModelRunner.Load(DemoModel, new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 4, QueueCapacity = 4 });
        // Three sessions at once through one runner: batches mix their windows.
        var batched = Enumerable.Range(0, 3).AsParallel().Select(i => Replay(shared, $"b{i}")).ToList();
        Assert.True(shared.MeanBatchSize > 1, $"mean batch {shared.MeanBatchSize}");
        foreach (var b in batched)
        {
            Assert.Equal(direct.Predictions.Count, b.Predictions.Count);
            for (var i = 0; i < direct.Predictions.Count; i++)
            {
                Assert.Equal(direct.Predictions[i].WindowIndex, b.Predictions[i].WindowIndex);
                for (var k = 0; k < 2; k++) Assert.Equal(direct.Predictions[i].Values[k], b.Predictions[i].Values[k], 4);
            }
            Assert.Equal(direct.Commands.Select(c => (c.WindowIndex, c.Name)), b.Commands.Select(c => (c.WindowIndex, c.Name)));
        }
    }

    [Fact]
    public void Stream_lacking_model_channels_is_refused_before_anything_runs()
    {
        var stream = DemoStream();
        var fewer = stream.WithChannels(stream.ChannelLabels.Where(l => l != "C4").ToArray(), stream.ChannelUnits.Take(stream.ChannelCount - 1).ToArray());
        using var model = ModelRunner.Load(DemoModel);
        var e = Assert.Throws<PipelineException>(() => DecodingSession.Create(fewer, new DecodingOptions(), model));
        Assert.Contains("C4", e.Message);
        var slower = stream.WithRate(160);
        Assert.Contains("160 Hz", Assert.Throws<PipelineException>(() => DecodingSession.Create(slower, new DecodingOptions(), model)).Message);
        Assert.Contains("500 samples", Assert.Throws<PipelineException>(() => DecodingSession.Create(stream, new DecodingOptions { WindowSeconds = 2 }, model)).Message);
    }
}

/// <summary>A whole session in virtual time: the order of its events, and a stop that still ends with the summary.</summary>
public class DecodingSessionVirtualTimeTests
{
    private static string DemoModel => Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx");
    private static string DemoRecording => Path.Combine(SharedData.RepositoryRoot, "recordings", "demo-mi.xdf");

    [Fact]
    public void A_paced_replay_in_virtual_time_gives_markers_predictions_and_commands_in_order_and_a_stop_still_gives_the_summary()
    {
        using var recording = Recording.Open(DemoRecording);
        var clock = new System.Reactive.Concurrency.HistoricalScheduler(DateTimeOffset.UnixEpoch);
        var source = new ReplaySource(recording, new ReplayOptions { Speed = 1 }, clock);
        using var model = ModelRunner.Load(DemoModel);
        var session = DecodingSession.Create(source.Description, new DecodingOptions { Session = "vt" }, model);
        var sink = new CollectingSink();
        var events = new List<SessionEvent>();
        using var stop = new CancellationTokenSource();
        using var running = session.Start(source.TakeUntilCancelled(stop.Token), Observer.Create<SessionEvent>(e =>
        {
            events.Add(e.Kind == SessionEventKind.Prediction ? SessionEvent.FromPrediction(e.Prediction!.Clone(), e.Command) : e);
            ((IObserver<SessionEvent>)sink).OnNext(e);
        }));
        // 60 s of recording in 60 s of virtual time: nothing waits on the wall clock.
        clock.AdvanceBy(TimeSpan.FromSeconds(60));
        Assert.False(running.IsDone);
        var predictions = events.Where(e => e.Kind == SessionEventKind.Prediction).Select(e => e.Prediction!).ToList();
        // Windows of 4 s every 0.25 s over the first 60 s, each delivered when its last sample was due.
        Assert.InRange(predictions.Count, 220, 226);
        Assert.True(predictions.Select(p => p.WindowIndex).SequenceEqual(Enumerable.Range(0, predictions.Count).Select(i => (long)i)));
        Assert.All(predictions, p => Assert.True(p.EndTime - predictions[0].EndTime + 4 <= 61));
        // Every command follows the prediction of its window at once, and that prediction event carries it.
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Kind != SessionEventKind.Command) continue;
            Assert.Equal(SessionEventKind.Prediction, events[i - 1].Kind);
            Assert.Equal(events[i].Command!.WindowIndex, events[i - 1].Prediction!.WindowIndex);
            Assert.Same(events[i].Command, events[i - 1].Command);
        }
        // A cue comes before the windows it scores, in time order with them.
        var firstCue = events.FindIndex(e => e.Kind == SessionEventKind.Marker);
        Assert.True(firstCue >= 0);
        Assert.True(events.Skip(firstCue + 1).Where(e => e.Kind == SessionEventKind.Prediction).All(e => e.Prediction!.EndTime >= events[firstCue].Marker.Timestamp - 0.04));
        Assert.Contains(predictions, p => p.Truth is not null);

        // Stopping (Ctrl+C, a duration) ends the session as if the source had ended: the sinks get the summary.
        stop.Cancel();
        Assert.True(running.IsDone);
        Assert.Null(running.Failure);
        Assert.Equal(SessionEventKind.Summary, events[^1].Kind);
        var summary = running.Summary!;
        Assert.Same(summary, sink.Summary);
        Assert.Equal(predictions.Count, summary.Windows);
        Assert.Equal(events.Count(e => e.Kind == SessionEventKind.Command), summary.Commands);
        Assert.InRange(summary.SignalSeconds, 59.9, 60.1);
        Assert.Throws<InvalidOperationException>(() => session.Decode(source).Subscribe());
    }

    [Fact]
    public void A_sink_that_throws_ends_the_run_with_its_failure()
    {
        using var recording = Recording.Open(DemoRecording);
        var source = new ReplaySource(recording, new ReplayOptions { Fast = true }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
        var session = DecodingSession.Create(source.Description, new DecodingOptions { WindowSeconds = 2 });
        var broken = Observer.Create<SessionEvent>(e => { if (e.Kind == SessionEventKind.Prediction && e.Prediction!.WindowIndex == 3) throw new IOException("disk full"); });
        var e = Assert.Throws<IOException>(() => session.Run(source, CancellationToken.None, broken));
        Assert.Equal("disk full", e.Message);
    }
}
