using System.Reactive.Concurrency;
using System.Reactive.Linq;
using NAudio.Wave;
using Pipeline.Core.Audio;
using Pipeline.Core.Signals;
using Pipeline.Sources.Audio;
using Pipeline.Sources.Replay;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Audio;

public sealed class WavFileSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wavsrc-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string WriteTone(int rate, int channels, double hz, double seconds, bool asFloat = false)
    {
        var path = Path.Combine(_dir, $"tone-{rate}-{channels}-{asFloat}.wav");
        var format = asFloat ? WaveFormat.CreateIeeeFloatWaveFormat(rate, channels) : new WaveFormat(rate, 16, channels);
        using var w = new WaveFileWriter(path, format);
        var n = (int)(rate * seconds);
        for (var i = 0; i < n; i++)
            for (var c = 0; c < channels; c++)
                w.WriteSample((float)(0.5 * Math.Sin(2 * Math.PI * hz * i / rate)));
        return path;
    }

    [Theory]
    [InlineData(16000, 1, false)]
    [InlineData(44100, 2, false)]
    [InlineData(48000, 1, true)]
    [InlineData(8000, 1, false)]
    public void Resamples_to_16k_mono_keeping_duration_and_frequency(int rate, int channels, bool asFloat)
    {
        var src = WavFileSource.Open(WriteTone(rate, channels, 440, 1.0, asFloat));
        Assert.Equal(rate, src.OriginalRate);
        Assert.Equal(channels, src.OriginalChannels);
        Assert.Equal(SpeechAudio.Rate, src.Description.NominalRate);
        Assert.InRange(src.Samples.Length, 16000 - 200, 16000 + 200);
        // The tone keeps its pitch: count zero crossings in the middle (resampler edges excluded).
        var mid = src.Samples.AsSpan(2000, 12000);
        var crossings = 0;
        for (var i = 1; i < mid.Length; i++) if (mid[i - 1] < 0 && mid[i] >= 0) crossings++;
        Assert.InRange(crossings, 330 - 3, 330 + 3); // 440 Hz x 0.75 s
        var peak = mid.ToArray().Max();
        Assert.InRange(peak, 0.45f, 0.55f);
    }

    [Fact]
    public void A_wav_recording_replays_as_10_ms_chunks_covering_the_file_with_regular_timestamps()
    {
        var path = WriteTone(16000, 1, 300, 0.505);
        Assert.True(RecordingFormats.IsWav(path));
        using var recording = Recording.Open(path);
        var wav = Assert.IsType<WavRecording>(recording);
        var total = new List<float>();
        var stamps = new List<double>();
        new ReplaySource(recording, new ReplayOptions { Fast = true }, ImmediateScheduler.Instance).Chunks().Do(c =>
        {
            Assert.InRange(c.Frames, 1, 160);
            total.AddRange(c.Samples.ToArray());
            stamps.AddRange(c.TimestampSpan.ToArray());
        }).Wait();
        Assert.Equal(wav.Audio.Samples, total);
        Assert.Equal(0.0, stamps[0], 9);
        for (var i = 1; i < stamps.Count; i++) Assert.Equal(1.0 / 16000, stamps[i] - stamps[i - 1], 9);
        Assert.Equal(SpeechAudio.StreamType, recording.ChooseSignalStream().Description.Type);
    }

    [Fact]
    public void A_paced_wav_replay_delivers_each_chunk_when_its_last_sample_is_due_in_virtual_time()
    {
        using var recording = Recording.Open(WriteTone(16000, 1, 300, 0.3));
        var clock = new HistoricalScheduler();
        var due = new List<(double Last, TimeSpan At)>();
        using var sub = new ReplaySource(recording, new ReplayOptions { ChunkFrames = 320 }, clock).Chunks()
            .Subscribe(c => due.Add((c.LastTimestamp, clock.Now - DateTimeOffset.MinValue)));
        clock.AdvanceBy(TimeSpan.FromSeconds(0.1));
        // 100 ms of virtual time: the chunks whose last sample lies in the first 100 ms (after the first sample).
        Assert.Equal(5, due.Count);
        clock.AdvanceBy(TimeSpan.FromSeconds(1));
        Assert.Equal(15, due.Count);
        foreach (var (last, at) in due) Assert.Equal(last, at.TotalSeconds, 6);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("empty")]
    [InlineData("missing")]
    public void Bad_files_give_one_sentence(string kind)
    {
        var path = Path.Combine(_dir, kind + ".wav");
        switch (kind)
        {
            case "garbage": File.WriteAllBytes(path, Enumerable.Range(0, 500).Select(i => (byte)(i * 7)).ToArray()); break;
            case "truncated":
                var good = File.ReadAllBytes(WriteTone(16000, 1, 300, 0.2));
                File.WriteAllBytes(path, good.AsSpan(0, 30).ToArray());
                break;
            case "empty": File.WriteAllBytes(path, []); break;
        }
        var e = Assert.Throws<PipelineException>(() => WavFileSource.Open(path));
        Assert.Contains(path, e.Message);
        Assert.EndsWith(".", e.Message);
        Assert.Single(e.Message.Split(". ", StringSplitOptions.None));
    }

    [SharedDataFact]
    public void Real_48k_recording_is_resampled()
    {
        var src = WavFileSource.Open(SharedData.File("speech", "alsa-utils", "Front_Left.wav"));
        var reference = WavFileSource.Open(SharedData.File("speech", "alsa-utils", "16k_Front_Left.wav"));
        Assert.Equal(48000, src.OriginalRate);
        Assert.InRange(src.Samples.Length, reference.Samples.Length - 400, reference.Samples.Length + 400);
        // Our resampling and the shared 16 kHz copy (sox) agree closely.
        Assert.True(AudioMath.BestCorrelation(src.Samples, reference.Samples, 200) > 0.95);
    }
}
