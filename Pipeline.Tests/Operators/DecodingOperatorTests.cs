using System.Reactive.Linq;
using System.Reactive.Subjects;
using CsCheck;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Operators;
using Pipeline.Core.Preprocessing;
using Pipeline.Core.Signals;
using Pipeline.Tests.Inference;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Operators;

/// <summary>The decoding operators one by one: Preprocess, Align, SkipNonFinite, Classify (own and shared), Decide, Snapshot.</summary>
public sealed class DecodingOperatorTests
{
    private static string DemoModel => Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx");

    private static List<Window> Windows(GoldenFile golden, StreamDescription d, double[]? starts = null)
    {
        int c = golden.InputShape[1], t = golden.InputShape[2];
        return Enumerable.Range(0, golden.Count).Select(i =>
        {
            var w = new Window(d, t, "s") { Index = i, StartTime = starts?[i] ?? i, EndTime = (starts?[i] ?? i) + 4, StartsSegment = i == 0 };
            golden.Raw.AsSpan(i * c * t, c * t).CopyTo(w.Data);
            return w;
        }).ToList();
    }

    [Fact]
    public void Preprocess_builds_the_card_chain_and_a_stream_already_at_the_card_rate_is_not_resampled()
    {
        using var model = ModelRunner.Load(DemoModel);
        var card = model.Card;
        // A stream with the card's channels in another order, plus one it does not use.
        var labels = card.Channels.Reverse().Append("EOG").ToArray();
        var d = new StreamDescription("amp", "EEG", labels, card.Rate);
        var frames = (int)card.Rate * 3;
        var data = SignalBuilder.Sines(frames, card.Rate, 10, Enumerable.Range(0, labels.Length).Select(i => 3.0 + i).ToArray());
        var chunks = SignalBuilder.Chunk(d, data, SignalBuilder.Times(frames, card.Rate), [25, 7, 40]);
        var viaCard = SignalBuilder.Run(chunks, s => s.Preprocess(card));
        var band = card.Preprocessing.Band!;
        var byHand = SignalBuilder.Run(chunks, s => s.SelectChannels(card.Channels).BandPass(band[0]!.Value, band[1]!.Value));
        Assert.True((card.Preprocessing.Notch ?? 0) == 0, "the demo card has a notch; this test assumes none");
        Assert.Equal(card.Channels, viaCard[0].Description.ChannelLabels);
        Assert.Equal(card.Rate, viaCard[0].Description.NominalRate);
        Assert.Equal(SignalBuilder.Concat(byHand).Data, SignalBuilder.Concat(viaCard).Data);
        Assert.Equal(SignalBuilder.Concat(byHand).Times, SignalBuilder.Concat(viaCard).Times);

        // Resample(rate) at the stream's own rate hands the same chunk on; at another rate it makes a new one.
        var seen = new List<SignalChunk>();
        var subject = new Subject<SignalChunk>();
        using (subject.Resample(card.Rate).Subscribe(seen.Add)) subject.OnNext(chunks[0]);
        Assert.Same(chunks[0], Assert.Single(seen));
        Assert.Equal(160, SignalBuilder.Run(chunks, s => s.Preprocess(PreprocessingOptions.FromCard(card) with { ResampleTo = 160 }))[0].Description.NominalRate);
    }

    [Fact]
    public void Align_then_classify_reproduce_the_pytorch_golden_probabilities_in_window_order()
    {
        var golden = GoldenFile.Load(Path.ChangeExtension(DemoModel, ".golden.json"));
        using var model = ModelRunner.Load(DemoModel);
        var d = new StreamDescription("amp", "EEG", model.Card.Channels, model.Card.Rate);
        var windows = Windows(golden, d);
        var predictions = windows.ToObservable().Align(model.Card).Classify(model, new ClassifyOptions { Session = "x" }).Snapshot().ToList().Wait();
        Assert.Equal(golden.Count, predictions.Count);
        for (var i = 0; i < golden.Count; i++)
        {
            var p = predictions[i];
            Assert.Equal((i, "x", (double)i, i + 4.0), (p.WindowIndex, p.Session, p.StartTime, p.EndTime));
            Assert.Equal(i == 0, p.StartsSegment);
            for (var k = 0; k < golden.Classes; k++)
                Assert.True(Math.Abs(p.Values[k] - golden.Probabilities[i * golden.Classes + k]) <= golden.AbsoluteTolerance, $"window {i} class {k}");
            Assert.Equal(model.Card.Classes[p.Values.AsSpan().IndexOf(p.Values.Max())], p.Label);
            Assert.Equal(p.Values.Max(), p.Confidence);
        }
        // The aligned window is a new one with the same identity; the model input is W·X.
        var aligned = windows.ToObservable().Align(model.Card).Snapshot().ToList().Wait();
        var alignment = new EuclideanAlignment(model.Card.Preprocessing.Alignment!.Matrix!.SelectMany(r => r).ToArray(), d.ChannelCount);
        var expected = new float[windows[1].Data.Length];
        alignment.Apply(windows[1].Data, expected, windows[1].Samples);
        Assert.Equal(expected, aligned[1].Data);
        Assert.Equal(windows[1].Index, aligned[1].Index);
        // A window the model does not take ends the stream with one sentence.
        var wrong = new Window(new StreamDescription("amp", "EEG", ["C3"], 250), 10);
        var e = Assert.Throws<PipelineException>(() => Observable.Return(wrong).Classify(model).Wait());
        Assert.Contains("does not fit the model", e.Message);
    }

    [Fact]
    public void A_shared_runner_classifies_in_window_order_drops_a_live_sessions_oldest_windows_and_counts_them()
    {
        var golden = GoldenFile.Load(Path.ChangeExtension(DemoModel, ".golden.json"));
        using var shared = BatchingModelRunner.Load(DemoModel, new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 1, QueueCapacity = 3, Workers = 1 });
        var card = ((ModelRunner)shared.Model).Card;
        var d = new StreamDescription("amp", "EEG", card.Channels, card.Rate);
        var input = Windows(golden, d);
        var template = input[0];
        using var release = new ManualResetEventSlim(false);
        using var first = new ManualResetEventSlim(false);
        using var done = new ManualResetEventSlim(false);
        var delivered = new List<(long Index, bool Starts, string? Label)>();
        var stats = new QueueStatistics();
        var windows = new Subject<Window>();
        // The first prediction holds the inference thread (an observer that is slow), so the queue fills behind it.
        // One worker: a second one would take window 1 while window 0 is delivered, if it woke in time (a race).
        using var sub = windows.Align(card).Classify(shared, new ClassifyOptions { Statistics = stats }).Subscribe(p =>
        {
            delivered.Add((p.WindowIndex, p.StartsSegment, p.Label));
            first.Set();
            release.Wait();
        }, done.Set);
        template.Index = 0;
        template.StartsSegment = true;
        windows.OnNext(template);
        Assert.True(first.Wait(TimeSpan.FromSeconds(20)));
        for (var i = 1; i <= 10; i++)
        {
            template.Index = i;
            // Window 5 starts a new stretch of signal (after a gap) and is dropped: the next one delivered starts it instead.
            template.StartsSegment = i == 5;
            windows.OnNext(template); // a live session never blocks here
        }
        Assert.Equal(7, stats.Dropped);
        Assert.Equal(3, stats.Queued);
        release.Set();
        windows.OnCompleted(); // waits until every queued window has its prediction
        Assert.True(done.IsSet);
        Assert.Equal([0L, 8, 9, 10], delivered.Select(x => x.Index));
        Assert.Equal([true, true, false, false], delivered.Select(x => x.Starts));
        Assert.Equal(11, stats.Submitted);
        Assert.Equal(4, stats.Delivered);
    }

    [Fact]
    public void Decide_is_the_decision_maker_over_the_stream_restarts_after_a_gap_and_keeps_ignored_classes_quiet()
    {
        var classes = new[] { "a", "b", "rest" };
        var options = new DecisionOptions { WindowCount = 3, Threshold = 0.5, RefractorySeconds = 0.6, RestClass = "rest", IgnoredClasses = ["b"] };
        Gen.Select(Gen.Int[0, 2], Gen.Float[0.5f, 1f], Gen.Int[0, 9]).Array[1, 120].Sample(items =>
        {
            var predictions = items.Select((x, i) =>
            {
                var p = new Prediction("probabilities", classes) { WindowIndex = i, EndTime = i * 0.25, StartsSegment = x.Item3 == 0 };
                p.Values[x.Item1] = x.Item2;
                p.Values[(x.Item1 + 1) % 3] = 1 - x.Item2;
                return p;
            }).ToList();
            var viaOperator = predictions.ToObservable().Decide(classes, options).ToList().Wait();
            var reference = new DecisionMaker(classes, options);
            var byHand = predictions.Select(reference.Update).OfType<Command>().ToList();
            Assert.Equal(byHand, viaOperator);
            Assert.DoesNotContain(viaOperator, c => c.ClassName is "b" or "rest");
        });
        // After a gap the history starts again: two windows of 'a' after the gap do not reach k = 3 with the ones before it.
        var stream = new[] { (0, false), (0, false), (0, true), (0, false), (0, false) }.Select((x, i) =>
        {
            var p = new Prediction("probabilities", classes) { WindowIndex = i, EndTime = i, StartsSegment = x.Item2 };
            p.Values[x.Item1] = 1;
            return p;
        });
        Assert.Equal([4L], stream.ToObservable().Decide(classes, options with { IgnoredClasses = [] }).Select(c => c.WindowIndex).ToList().Wait());
        // An ignored class still starts the refractory period: 'a' right after a decided 'b' stays quiet.
        var ab = new[] { 1, 1, 1, 0, 0, 0 }.Select((k, i) =>
        {
            var p = new Prediction("probabilities", classes) { WindowIndex = i, EndTime = i * 0.1 };
            p.Values[k] = 1;
            return p;
        });
        Assert.Empty(ab.ToObservable().Decide(classes, options with { WindowCount = 1 }).ToList().Wait());
    }

    [Fact]
    public void Skipped_windows_pass_their_start_of_segment_on_and_snapshot_keeps_reused_items()
    {
        var d = new StreamDescription("s", "EEG", ["a"], 100);
        var shared = new Window(d, 2);
        IEnumerable<Window> Stream()
        {
            foreach (var (value, starts) in new[] { (1f, true), (float.NaN, true), (2f, false), (float.PositiveInfinity, false), (3f, false) })
            {
                shared.Data[0] = value;
                shared.StartsSegment = starts;
                shared.Index++;
                yield return shared;
            }
        }
        var skipped = 0;
        var passed = Stream().ToObservable().SkipNonFinite(_ => skipped++).Snapshot().ToList().Wait();
        Assert.Equal(2, skipped);
        Assert.Equal([1f, 2f, 3f], passed.Select(w => w.Data[0]));
        // The window after the skipped one that started a stretch starts it instead.
        Assert.Equal([true, true, false], passed.Select(w => w.StartsSegment));
        Assert.Equal(3, passed.Distinct().Count());
        // Without Snapshot, a list holds the one reused window three times.
        shared.Index = 0;
        Assert.Single(Stream().ToObservable().SkipNonFinite().ToList().Wait().Distinct());
    }
}
