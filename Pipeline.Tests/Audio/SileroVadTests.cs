using CsCheck;
using Pipeline.Core.Audio;
using Pipeline.Core.Signals;
using Pipeline.Sources.Audio;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Audio;

public sealed class SileroVadTests
{
    private static string ModelPath => Path.Combine(SharedData.RepositoryRoot, "models", "silero-vad", "silero_vad.onnx");

    private static (List<SpeechSegment> Segments, float Max, double SpeechFraction) Run(string wav)
    {
        using var vad = SileroVad.Load(ModelPath);
        var samples = WavFileSource.Open(wav).Samples;
        var segmenter = new SpeechSegmenter(new VadOptions());
        var segments = new List<SpeechSegment>();
        float max = 0;
        var speech = 0;
        var frames = samples.Length / SileroVad.FrameSamples;
        for (var f = 0; f < frames; f++)
        {
            var p = vad.Process(samples.AsSpan(f * SileroVad.FrameSamples, SileroVad.FrameSamples));
            max = Math.Max(max, p);
            if (p > 0.5) speech++;
            var s = segmenter.Push(p, f * 0.032, (f + 1) * 0.032);
            if (s is not null) segments.Add(s);
        }
        if (segmenter.Flush(frames * 0.032) is { } last) segments.Add(last);
        return (segments, max, speech / (double)Math.Max(1, frames));
    }

    [SharedDataTheory]
    [InlineData("silero-vad", "jfk.wav")]
    [InlineData("silero-vad", "en_num.wav")]
    [InlineData("librispeech", "1034-121119-0022.wav")]
    [InlineData("speech_commands/v0.01-train/yes", "0a7c2a8d_nohash_0.wav")]
    [InlineData("tflite-micro", "yes_1000ms.wav")]
    public void Speech_files_give_segments(string folder, string file)
    {
        var (segments, max, fraction) = Run(SharedData.File(["speech", .. folder.Split('/'), file]));
        Assert.NotEmpty(segments);
        Assert.True(max > 0.8, $"max probability {max}");
        Assert.All(segments, s => Assert.True(s.End > s.Start && s.DetectedAt >= s.End - 0.05));
        for (var i = 1; i < segments.Count; i++) Assert.True(segments[i].Start >= segments[i - 1].End - 0.07);
        Assert.InRange(fraction, 0.1, 0.95);
    }

    [SharedDataTheory]
    [InlineData("speech_commands/v0.01-test/_silence_", "27.wav")]
    [InlineData("speech_commands/v0.01-test/_silence_", "5.wav")]
    [InlineData("speech_commands/v0.02-test/_silence_", "2.wav")]
    [InlineData("tflite-micro", "noise_1000ms.wav")]
    [InlineData("tflite-micro", "silence_1000ms.wav")]
    [InlineData("alsa-utils", "16k_Noise.wav")]
    public void Silence_and_noise_give_none(string folder, string file)
    {
        var (segments, max, _) = Run(SharedData.File(["speech", .. folder.Split('/'), file]));
        Assert.Empty(segments);
        Assert.True(max < 0.3, $"max probability {max}");
    }

    [SharedDataFact]
    public void Long_recording_is_mostly_speech_in_several_segments()
    {
        var (segments, _, fraction) = Run(SharedData.File("speech", "silero-vad", "test.wav"));
        Assert.True(segments.Count >= 5, $"{segments.Count} segments");
        Assert.InRange(fraction, 0.55, 0.95); // the data README measures about 77 % speech
    }

    [Fact]
    public void Process_allocates_nothing_after_warm_up_and_state_matters()
    {
        using var vad = SileroVad.Load(ModelPath);
        var frame = new float[SileroVad.FrameSamples];
        var rng = new Random(3);
        for (var i = 0; i < frame.Length; i++) frame[i] = (float)(0.3 * Math.Sin(i * 0.2) + 0.05 * rng.NextDouble());
        for (var i = 0; i < 5; i++) vad.Process(frame);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 50; i++) vad.Process(frame);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 50 * 64, "Process allocates per call");
        // The recurrent state carries history: after Reset the same frame gives the first-call answer again.
        vad.Reset();
        var first = vad.Process(frame);
        var later = vad.Process(frame);
        vad.Reset();
        Assert.Equal(first, vad.Process(frame));
        Assert.NotEqual(first, later);
    }

    [Fact]
    public void Missing_or_wrong_model_gives_one_sentence()
    {
        var e = Assert.Throws<PipelineException>(() => SileroVad.Load("/nonexistent/vad.onnx"));
        Assert.Contains("/nonexistent/vad.onnx", e.Message);
        var demo = Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx");
        var wrong = Assert.Throws<PipelineException>(() => SileroVad.Load(demo));
        Assert.Contains("Silero VAD", wrong.Message);
    }

    [Fact]
    public void Segmenter_follows_hysteresis_on_any_probability_sequence()
    {
        var options = new VadOptions { Threshold = 0.5f, MinSilenceSeconds = 0.1, MinSpeechSeconds = 0.05, PadSeconds = 0 };
        Gen.Float[0f, 1f].Array[1, 200].Sample(ps =>
        {
            var seg = new SpeechSegmenter(options);
            var segments = new List<SpeechSegment>();
            for (var i = 0; i < ps.Length; i++)
                if (seg.Push(ps[i], i * 0.032, (i + 1) * 0.032) is { } s) segments.Add(s);
            if (seg.Flush(ps.Length * 0.032) is { } last) segments.Add(last);
            foreach (var s in segments)
            {
                // Every segment starts on a frame at or above the threshold and has a frame at or above it inside.
                var startFrame = (int)Math.Round(s.Start / 0.032);
                Assert.True(ps[startFrame] >= 0.5f);
                Assert.True(s.MaxProbability >= 0.5f);
                Assert.True(s.Seconds >= options.MinSpeechSeconds - 1e-9);
            }
            for (var i = 1; i < segments.Count; i++) Assert.True(segments[i].Start >= segments[i - 1].End - 1e-9);
            // No frame above the threshold is left outside every segment unless its run was too short.
            if (ps.All(p => p < 0.5f)) Assert.Empty(segments);
        });
    }
}
