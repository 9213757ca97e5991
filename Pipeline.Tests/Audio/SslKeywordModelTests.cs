using System.Runtime.InteropServices;
using System.Text.Json;
using Pipeline.Core.Audio;
using Pipeline.Core.Signals;
using System.Reactive.Concurrency;
using Pipeline.Core.Sessions;
using Pipeline.Sinks.Console;
using Pipeline.Sources.Audio;
using Pipeline.Sources.Replay;
using Pipeline.Tests.Sessions;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Audio;

public sealed class SslKeywordModelTests
{
    internal static string Models => Path.Combine(SharedData.RepositoryRoot, "models", "ssl");
    internal static string VadPath => Path.Combine(SharedData.RepositoryRoot, "models", "silero-vad", "silero_vad.onnx");

    private static (int[] Shape, float[] Data) Tensor(JsonElement root, string name)
    {
        var t = root.GetProperty(name);
        var shape = t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        return (shape, MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(t.GetProperty("data").GetString()!)).ToArray());
    }

    [Theory]
    [InlineData("kws-ws")]
    [InlineData("kws-hconv")]
    public void Onnx_models_match_pytorch_golden_outputs(string head)
    {
        using var model = SslKeywordModel.Load(Path.Combine(Models, head + ".onnx"));
        using var upGolden = JsonDocument.Parse(File.ReadAllText(Path.Combine(Models, "ssl-tiny-upstream.golden.json")));
        using var headGolden = JsonDocument.Parse(File.ReadAllText(Path.Combine(Models, head + ".golden.json")));
        var (waveShape, wave) = Tensor(upGolden.RootElement, "wave");
        var (hShape, hidden) = Tensor(upGolden.RootElement, "hidden_states");
        var (_, probs) = Tensor(headGolden.RootElement, "probabilities");
        Assert.Equal([model.Layers, waveShape[0], model.Frames, model.Dim], hShape);
        int n = waveShape[0], samples = waveShape[1], k = model.Classes.Count;
        for (var b = 0; b < n; b++)
        {
            // The golden hidden states are [L, B, T, D]; the runtime gives [L, 1, T, D] for one clip.
            var got = model.HiddenStates(wave.AsSpan(b * samples, samples)).ToArray();
            var per = model.Frames * model.Dim;
            for (var l = 0; l < model.Layers; l++)
                for (var i = 0; i < per; i++)
                {
                    var want = hidden[(l * n + b) * per + i];
                    Assert.True(Math.Abs(got[l * per + i] - want) <= 1e-3 + 1e-3 * Math.Abs(want), $"layer {l} value {i}: {got[l * per + i]} vs {want}");
                }
            var p = model.Classify(wave.AsSpan(b * samples, samples)).ToArray();
            for (var c = 0; c < k; c++) Assert.True(Math.Abs(p[c] - probs[b * k + c]) < 2e-3, $"clip {b} class {c}: {p[c]} vs {probs[b * k + c]}");
        }
    }

    [Fact]
    public void Classify_allocates_nothing_after_warm_up()
    {
        using var model = SslKeywordModel.Load(Path.Combine(Models, "kws-hconv.onnx"));
        var window = new float[model.WindowSamples];
        for (var i = 0; i < window.Length; i++) window[i] = (float)(0.2 * Math.Sin(i * 0.05));
        model.Classify(window);
        model.Classify(window);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5; i++) model.Classify(window);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 5 * 64);
    }

    [Fact]
    public void Head_and_upstream_that_do_not_fit_are_refused_with_one_sentence()
    {
        var dir = Directory.CreateTempSubdirectory("sslcard-").FullName;
        try
        {
            var head = Path.Combine(dir, "kws-hconv.onnx");
            File.Copy(Path.Combine(Models, "kws-hconv.onnx"), head);
            var card = File.ReadAllText(Path.Combine(Models, "kws-hconv.json")).Replace("\"upstream\": \"ssl-tiny-upstream.onnx\"", "\"upstream\": \"other.onnx\"");
            File.WriteAllText(Path.Combine(dir, "kws-hconv.json"), card);
            var missing = Assert.Throws<PipelineException>(() => SslKeywordModel.Load(head));
            Assert.Contains("other.onnx", missing.Message);
            // A head whose card says a different layer count than the upstream gives.
            File.WriteAllText(Path.Combine(dir, "kws-hconv.json"), File.ReadAllText(Path.Combine(Models, "kws-hconv.json")).Replace("\"shape\": [\n   9,", "\"shape\": [\n   13,"));
            var wrong = Assert.Throws<PipelineException>(() => SslKeywordModel.Load(head, Path.Combine(Models, "ssl-tiny-upstream.onnx")));
            Assert.Contains("hidden states", wrong.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Session_finds_every_word_of_a_wav_file_once_and_labels_it_within_the_latency_budget()
    {
        if (!SpokenWords.EspeakPresent && !VirtualMicrophone.IsCi) return; // needs espeak-ng to make the words
        var wav = Path.Combine(Path.GetTempPath(), $"words-{Guid.NewGuid():N}.wav");
        try
        {
            var (words, ends) = SpokenWords.Write(wav, 20, seed: 7);
            using var model = SslKeywordModel.Load(Path.Combine(Models, "kws-hconv.onnx"));
            using var vad = SileroVad.Load(VadPath);
            using var recording = WavRecording.Open(wav);
            var session = DecodingSession.CreateSpeech(recording.Audio.Description, new AudioSessionOptions { Live = false }, vad, model);
            var detections = new CollectingSink();
            var speech = new SpeechConsoleSink(new TextConsole().Console);
            session.Run(new ReplaySource(recording, new ReplayOptions { Fast = true }, ImmediateScheduler.Instance), CancellationToken.None, detections, speech);
            // Every word is found once, at its place, and labelled mostly right.
            var predictions = detections.Predictions;
            var correct = 0;
            for (var i = 0; i < words.Count; i++)
            {
                var d = predictions.Where(x => Math.Abs(x.SegmentEnd - ends[i]) < 0.25).ToList();
                Assert.True(d.Count == 1, $"word {i} '{words[i]}' ending at {ends[i]:F2} s: {d.Count} detections");
                if (d[0].Label == words[i]) correct++;
            }
            Assert.Equal(words.Count, predictions.Count);
            Console.WriteLine($"unseen espeak voices from a WAV file: {correct}/{words.Count} labelled correctly");
            Assert.True(correct >= 0.8 * words.Count, $"{correct} of {words.Count} words labelled correctly; at least 80 % are needed");
            Assert.All(predictions, x => Assert.Contains(x.Label, model.Classes));
            // End of speech → label: the audio the VAD needed after the word, plus the model's time.
            Assert.Equal(words.Count, speech.Latencies.Count);
            Assert.All(speech.Latencies, l => Assert.InRange(l, 0.05, 0.5));
        }
        finally { File.Delete(wav); }
    }
}
