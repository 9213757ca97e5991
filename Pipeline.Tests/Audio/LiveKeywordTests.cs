using Pipeline.Core.Audio;
using Pipeline.Core.Sessions;
using Pipeline.Sinks.Console;
using Pipeline.Sources.Audio;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Sessions;
using Xunit.Abstractions;

namespace Pipeline.Tests.Audio;

/// <summary>The live path end to end: a virtual microphone plays command words in unseen voices; the session labels them.</summary>
public sealed class LiveKeywordTests(VirtualMicrophoneFixture fixture, ITestOutputHelper output) : IClassFixture<VirtualMicrophoneFixture>
{
    [VirtualMicrophoneFact]
    public void Live_session_labels_at_least_80_percent_of_the_words_from_the_virtual_microphone_within_300_ms()
    {
        var mic = fixture.Microphone;
        var wav = Path.Combine(Path.GetTempPath(), $"live-words-{Guid.NewGuid():N}.wav");
        try
        {
            var (words, ends) = SpokenWords.Write(wav, 20, seed: 11);
            using var model = SslKeywordModel.Load(Path.Combine(SslKeywordModelTests.Models, "kws-hconv.onnx"));
            using var vad = SileroVad.Load(SslKeywordModelTests.VadPath);
            var detections = new CollectingSink();
            var speech = new SpeechConsoleSink(new TextConsole().Console);
            using (var capture = PulseAudioMicrophone.Open(new MicrophoneOptions { Server = mic.Server, Device = "vmic" }))
            {
                var session = DecodingSession.CreateSpeech(capture.Description, new AudioSessionOptions { Live = true }, vad, model);
                // The microphone starts capturing when the session subscribes; disposing stops it.
                using var running = session.Start(capture, [detections, speech]);
                Thread.Sleep(200);
                mic.Play(wav);
                Thread.Sleep(600);
            }
            var labels = detections.Predictions.Select(d => d.Label).ToList();
            var latencies = speech.Latencies.Order().ToList();
            output.WriteLine($"played {words.Count} words: {string.Join(' ', words)}");
            output.WriteLine($"labels:  {string.Join(' ', labels)}");
            var p50 = latencies.Count > 0 ? latencies[latencies.Count / 2] : double.NaN;
            var p99 = latencies.Count > 0 ? latencies[Math.Clamp((int)Math.Ceiling(0.99 * latencies.Count) - 1, 0, latencies.Count - 1)] : double.NaN;
            output.WriteLine($"latency end of speech → label: p50 {p50 * 1000:F0} ms, p99 {p99 * 1000:F0} ms");
            Assert.Equal(words.Count, labels.Count);
            var correct = words.Zip(labels).Count(x => x.First == x.Second);
            output.WriteLine($"correct {correct}/{words.Count}");
            Assert.True(correct >= 0.8 * words.Count, $"{correct} of {words.Count} words labelled correctly; at least 80 % are needed");
            Assert.True(p99 <= 0.3, $"p99 latency {p99 * 1000:F0} ms");
        }
        finally { File.Delete(wav); }
    }
}
