using System.Collections.Concurrent;
using NAudio.Wave;
using Pipeline.Core.Audio;
using Pipeline.Core.Signals;
using Pipeline.Lsl;
using Pipeline.Sources.Audio;

namespace Pipeline.Tests.Audio;

public sealed class PulseAudioMicrophoneTests : IClassFixture<VirtualMicrophoneFixture>
{
    private readonly VirtualMicrophoneFixture _fixture;

    public PulseAudioMicrophoneTests(VirtualMicrophoneFixture fixture) => _fixture = fixture;

    private VirtualMicrophone Mic => _fixture.Microphone;

    [VirtualMicrophoneFact]
    public void Lists_the_virtual_devices_with_the_default()
    {
        var devices = PulseAudioMicrophone.ListDevices(Mic.Server);
        var vmic = Assert.Single(devices, d => d.Name == "vmic");
        Assert.True(vmic.IsDefault);
        Assert.False(vmic.IsMonitor);
        Assert.Contains(devices, d => d.Name == "vspk.monitor" && d.IsMonitor && !d.IsDefault);
    }

    [VirtualMicrophoneFact]
    public void Captures_what_is_played_with_lsl_timestamps()
    {
        var wav = Path.Combine(Path.GetTempPath(), $"chirp-{Guid.NewGuid():N}.wav");
        var played = Chirp(16000);
        using (var w = new WaveFileWriter(wav, new WaveFormat(16000, 16, 1))) w.WriteSamples(played, 0, played.Length);
        try
        {
            var captured = new List<float>();
            var stamps = new List<double>();
            var sizes = new ConcurrentBag<int>();
            var before = LslClock.LocalClock();
            using (var mic = PulseAudioMicrophone.Open(new MicrophoneOptions { Server = Mic.Server, Device = "vmic", ChunkSamples = 160 }))
            {
                // Capture starts with the subscription.
                using var sub = mic.Chunks().Subscribe(c =>
                {
                    sizes.Add(c.Frames);
                    lock (captured) { captured.AddRange(c.Samples.ToArray()); stamps.AddRange(c.TimestampSpan.ToArray()); }
                });
                Thread.Sleep(200); // the stream is open before playing, so nothing is lost
                Mic.Play(wav);
                Thread.Sleep(300);
            }
            var after = LslClock.LocalClock();
            Assert.All(sizes, s => Assert.Equal(160, s));
            float[] got;
            lock (captured) got = captured.ToArray();
            Assert.True(got.Length > played.Length, $"captured {got.Length} samples for {played.Length} played");
            // Find the played chirp in the capture: a shifted copy must correlate almost perfectly.
            var onset = Array.FindIndex(got, v => Math.Abs(v) > 0.05);
            Assert.True(onset >= 0, "nothing audible was captured");
            var start = Math.Max(0, onset - 400);
            var segment = got.AsSpan(start, Math.Min(played.Length + 800, got.Length - start));
            var (_, corr) = AudioMath.BestLag(segment, played, 800);
            Assert.True(corr > 0.99, $"correlation {corr:F4}");
            Assert.InRange(stamps[0], before - 0.1, after);
            Assert.InRange(stamps[^1], before, after + 0.1);
            // Stamps never go back, and they follow the audio clock: over the capture they span the samples' own
            // duration (a read delayed by a loaded machine shifts a few chunks, not the whole; 0.25 s allows for that).
            for (var i = 1; i < stamps.Count; i++) Assert.True(stamps[i] >= stamps[i - 1], $"stamp {i} is before stamp {i - 1}");
            Assert.InRange(stamps[^1] - stamps[0], (stamps.Count - 1) / 16000.0 - 0.25, (stamps.Count - 1) / 16000.0 + 0.25);
        }
        finally { File.Delete(wav); }
    }

    [VirtualMicrophoneFact]
    public void Unknown_device_names_the_device_and_the_fix()
    {
        var e = Assert.Throws<PipelineException>(() => PulseAudioMicrophone.Open(new MicrophoneOptions { Server = Mic.Server, Device = "no-such-mic" }));
        Assert.Contains("no-such-mic", e.Message);
        Assert.Contains("pipeline audio devices", e.Message);
    }

    [Fact]
    public void Without_a_server_says_what_is_missing_and_how_to_fix_it()
    {
        var server = "unix:" + Path.Combine(Path.GetTempPath(), "no-pulse-here", "native");
        var open = Assert.Throws<PipelineException>(() => PulseAudioMicrophone.Open(new MicrophoneOptions { Server = server }));
        Assert.Matches("PulseAudio", open.Message);
        Assert.Contains("--file", open.Message);
        var list = Assert.Throws<PipelineException>(() => PulseAudioMicrophone.ListDevices(server));
        Assert.Matches("PulseAudio", list.Message);
    }

    private static float[] Chirp(int n)
    {
        var x = new float[n];
        for (var i = 0; i < n; i++)
        {
            var t = i / 16000.0;
            x[i] = (float)(0.5 * Math.Sin(2 * Math.PI * (200 * t + 1500 * t * t)) * Math.Min(1, Math.Min(i, n - i) / 160.0));
        }
        return x;
    }
}

/// <summary>One virtual microphone for all tests of a class.</summary>
public sealed class VirtualMicrophoneFixture : IDisposable
{
    private readonly Lazy<VirtualMicrophone> _mic = new(() => new VirtualMicrophone());
    public VirtualMicrophone Microphone => _mic.Value;
    public void Dispose() { if (_mic.IsValueCreated) _mic.Value.Dispose(); }
}
