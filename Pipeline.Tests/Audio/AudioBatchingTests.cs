using System.Reactive.Concurrency;
using Pipeline.Core.Audio;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Sources.Replay;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Sessions;

namespace Pipeline.Tests.Audio;

/// <summary>Audio sessions sharing one batching runner over the SSL upstream and its interface+head.</summary>
public sealed class AudioBatchingTests
{
    private static CollectingSink Run(Func<SileroVad, DecodingSession> create, string wav)
    {
        using var vad = SileroVad.Load(SslKeywordModelTests.VadPath);
        using var recording = WavRecording.Open(wav);
        var session = create(vad);
        var sink = new CollectingSink();
        session.Run(new ReplaySource(recording, new ReplayOptions { Fast = true }, ImmediateScheduler.Instance), CancellationToken.None, sink);
        return sink;
    }

    [SharedDataFact]
    public void Sessions_sharing_a_runner_get_the_same_labels_as_a_session_on_its_own_and_in_order()
    {
        var wav = SharedData.File("speech", "silero-vad", "test.wav");
        var head = Path.Combine(SslKeywordModelTests.Models, "kws-hconv.onnx");
        var replay = new AudioSessionOptions { Live = false };
        var stream = WavRecording.Open(wav).Audio.Description;
        CollectingSink alone;
        using (var model = SslKeywordModel.Load(head))
            alone = Run(vad => DecodingSession.CreateSpeech(stream, replay, vad, model), wav);
        Assert.True(alone.Predictions.Count >= 5, $"only {alone.Predictions.Count} segments in test.wav");

        var shared = SslKeywordModel.Load(head, null, new ModelRunnerOptions { BatchSizes = [1, 2, 4] });
        using var runner = BatchingModelRunner.Start(shared, new BatchingOptions { MaxBatch = 4 });
        var results = new CollectingSink[4];
        // Four sessions at once, as fast as they can push: their windows meet in the runner's batches.
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = results.Length },
            i => results[i] = Run(vad => DecodingSession.CreateSpeech(stream, replay with { Session = $"s{i}" }, vad, runner), wav));
        Assert.True(runner.MeanBatchSize > 1, $"mean batch {runner.MeanBatchSize}: the sessions never shared a batch");
        foreach (var got in results)
        {
            Assert.Equal(alone.Predictions.Count, got.Predictions.Count);
            for (var k = 0; k < got.Predictions.Count; k++)
            {
                Assert.Equal(k, got.Predictions[k].WindowIndex);
                Assert.Equal(alone.Predictions[k].SegmentStart, got.Predictions[k].SegmentStart);
                Assert.Equal(alone.Predictions[k].SegmentEnd, got.Predictions[k].SegmentEnd);
                Assert.Equal(alone.Predictions[k].Label, got.Predictions[k].Label);
                for (var c = 0; c < got.Predictions[k].Values.Length; c++)
                    Assert.True(Math.Abs(alone.Predictions[k].Values[c] - got.Predictions[k].Values[c]) < 1e-4,
                        $"segment {k} class {c}: {got.Predictions[k].Values[c]} batched vs {alone.Predictions[k].Values[c]} alone");
            }
            Assert.Equal(alone.Commands.Select(c => (c.WindowIndex, c.Name)), got.Commands.Select(c => (c.WindowIndex, c.Name)));
            Assert.Equal(alone.Predictions.Count, got.Summary!.Windows);
        }
    }

    [Fact]
    public void An_eeg_model_is_refused_for_an_audio_session_with_one_sentence()
    {
        using var runner = BatchingModelRunner.Load(Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx"), new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 1 });
        using var vad = SileroVad.Load(SslKeywordModelTests.VadPath);
        var e = Assert.Throws<Pipeline.Core.Signals.PipelineException>(() => DecodingSession.CreateSpeech(SpeechAudio.Describe("mic", "test"), new AudioSessionOptions(), vad, runner));
        Assert.Contains("not a speech model", e.Message);
    }
}
