using System.Reactive.Linq;
using Pipeline.Core.Audio;
using Pipeline.Core.Inference;
using Pipeline.Sources.Audio;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Audio;

/// <summary>Audio sessions sharing one batching runner over the SSL upstream and its interface+head.</summary>
public sealed class AudioBatchingTests
{
    private static List<KeywordDetection> Run(Func<SileroVad, AudioKeywordSession> create, WavFileSource wav)
    {
        using var vad = SileroVad.Load(SslKeywordModelTests.VadPath);
        using var session = create(vad);
        var got = new List<KeywordDetection>();
        session.Detected += d => { lock (got) got.Add(d); };
        wav.Chunks(startTime: 0).Do(session.Push).LastOrDefaultAsync().Wait();
        session.Complete();
        lock (got) return [.. got];
    }

    [SharedDataFact]
    public void Sessions_sharing_a_runner_get_the_same_labels_as_a_session_on_its_own_and_in_order()
    {
        var wav = WavFileSource.Open(SharedData.File("speech", "silero-vad", "test.wav"));
        var head = Path.Combine(SslKeywordModelTests.Models, "kws-hconv.onnx");
        var replay = new AudioSessionOptions { Live = false };
        List<KeywordDetection> alone;
        using (var model = SslKeywordModel.Load(head))
            alone = Run(vad => new AudioKeywordSession(model, vad, replay, () => 0), wav);
        Assert.True(alone.Count >= 5, $"only {alone.Count} segments in test.wav");

        var shared = SslKeywordModel.Load(head, null, new ModelRunnerOptions { BatchSizes = [1, 2, 4] });
        using var runner = BatchingModelRunner.Start(shared, new BatchingOptions { MaxBatch = 4 });
        var results = new List<KeywordDetection>[4];
        // Four sessions at once, as fast as they can push: their windows meet in the runner's batches.
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = results.Length },
            i => results[i] = Run(vad => new AudioKeywordSession(runner, vad, replay with { Session = $"s{i}" }, () => 0), wav));
        Assert.True(runner.MeanBatchSize > 1, $"mean batch {runner.MeanBatchSize}: the sessions never shared a batch");
        foreach (var got in results)
        {
            Assert.Equal(alone.Count, got.Count);
            for (var k = 0; k < got.Count; k++)
            {
                Assert.Equal(alone[k].Segment, got[k].Segment);
                Assert.Equal(alone[k].Label, got[k].Label);
                for (var c = 0; c < got[k].Probabilities.Count; c++)
                    Assert.True(Math.Abs(alone[k].Probabilities[c] - got[k].Probabilities[c]) < 1e-4,
                        $"segment {k} class {c}: {got[k].Probabilities[c]} batched vs {alone[k].Probabilities[c]} alone");
            }
        }
    }

    [Fact]
    public void An_eeg_model_is_refused_for_an_audio_session_with_one_sentence()
    {
        using var runner = BatchingModelRunner.Load(Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx"), new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 1 });
        using var vad = SileroVad.Load(SslKeywordModelTests.VadPath);
        var e = Assert.Throws<Pipeline.Core.Signals.PipelineException>(() => new AudioKeywordSession(runner, vad, new AudioSessionOptions(), () => 0));
        Assert.Contains("not a speech model", e.Message);
    }
}
