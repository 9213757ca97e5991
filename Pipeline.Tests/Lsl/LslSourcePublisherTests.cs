using System.Diagnostics;
using Pipeline.Core.Signals;
using Pipeline.Lsl;
using Pipeline.Sinks.Lsl;
using Pipeline.Tests.Cli;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Lsl;

/// <summary>
/// <c>replay --to-lsl</c>'s publisher never stamps a sample or a marker later than the local clock at the moment it is
/// pushed (issue 14, item 5), even when the pacing hands it chunks early; the samples stay in order.
/// </summary>
public sealed class LslSourcePublisherTests
{
    private static SourceEvent Chunk(StreamDescription d, double first, int frames)
    {
        var data = new float[frames * d.ChannelCount];
        var ts = new double[frames];
        for (var i = 0; i < frames; i++)
        {
            ts[i] = first + i / d.NominalRate;
            data[i * d.ChannelCount] = (float)ts[i];
        }
        return SourceEvent.FromChunk(new SignalChunk(d, data, ts, frames, Stopwatch.GetTimestamp()));
    }

    [Fact]
    public void Chunks_and_markers_handed_over_early_are_never_stamped_in_the_future()
    {
        const double speed = 1;
        var config = LslTestSupport.LoopbackConfig();
        var d = new StreamDescription(LslTestSupport.UniqueName("replayed"), "EEG", ["C3", "C4"], 100, sourceId: LslTestSupport.UniqueName("replayed-src"));
        using var publisher = new LslSourcePublisher(d, withMarkers: true, maxChunkFrames: 10, config, speed);
        var found = LSL.ResolveByPred($"name='{d.Name}'", 1, 5, config);
        using var inlet = new StreamInlet(Assert.Single(found), config: config);
        inlet.OpenStream(5);
        var markerInfo = LSL.ResolveByPred($"name='{d.Name}-Markers'", 1, 5, config);
        using var markerInlet = new StreamInlet(Assert.Single(markerInfo), config: config);
        markerInlet.OpenStream(5);

        // A pacing that ran ahead: the first chunk, then at once 0.3 s (of recording) more, and a marker at its end,
        // as a replay whose first chunk was late hands over the ones that follow. Each push's clock is noted.
        var pushedBy = new List<double>();
        publisher.OnNext(Chunk(d, 50.0, 10));
        pushedBy.Add(LslClock.LocalClock());
        for (var k = 1; k <= 3; k++)
        {
            if (k == 3) publisher.OnNext(SourceEvent.FromMarker(new Marker(50.0 + 0.39, "cue")));
            publisher.OnNext(Chunk(d, 50.0 + k * 0.1, 10));
            pushedBy.Add(LslClock.LocalClock());
        }
        publisher.OnCompleted();
        var markerPushedBy = LslClock.LocalClock();

        var sample = new float[2];
        var stamps = new List<double>();
        double t;
        while ((t = inlet.PullSample(sample, 2)) != 0.0) stamps.Add(t);
        Assert.Equal(40, stamps.Count);
        for (var i = 0; i < stamps.Count; i++)
            Assert.True(stamps[i] <= pushedBy[i / 10], $"sample {i} stamped {stamps[i] - pushedBy[i / 10]:F4} s after its chunk was pushed");
        for (var i = 1; i < stamps.Count; i++) Assert.True(stamps[i] > stamps[i - 1], $"sample {i} is not after sample {i - 1}");
        // Within a chunk the recording's spacing is kept.
        Assert.Equal(0.01, stamps[1] - stamps[0], 6);
        var text = new string[1];
        var markerTime = markerInlet.PullSample(text, 2);
        Assert.Equal("cue", text[0]);
        Assert.True(markerTime <= markerPushedBy, $"the marker was stamped {markerTime - markerPushedBy:F4} s in the future");
    }

    [Fact]
    public void Replay_to_lsl_as_a_process_never_delivers_a_sample_stamped_after_it_arrived()
    {
        using var cfg = new TempPath(".cfg");
        File.WriteAllText(cfg.Path, LslTestSupport.LoopbackConfigFileText());
        var config = LslConfig.FromFile(cfg.Path);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = SharedData.RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Environment.GetEnvironmentVariable("PIPELINE_TEST_CLI") is { Length: > 0 } other ? other : Path.Combine(AppContext.BaseDirectory, "pipeline.dll"),
            "replay", "recordings/demo-mi.xdf", "--to-lsl", "--wait", "30", "--lsl-config", cfg.Path })
            start.ArgumentList.Add(a);
        using var amplifier = Process.Start(start)!;
        amplifier.OutputDataReceived += (_, _) => { };
        amplifier.ErrorDataReceived += (_, _) => { };
        amplifier.BeginOutputReadLine();
        amplifier.BeginErrorReadLine();
        try
        {
            var found = LSL.ResolveByPred("type='EEG'", 1, 60, config);
            using var inlet = new StreamInlet(Assert.Single(found), config: config);
            inlet.OpenStream(10);
            var buffer = new float[64 * 22];
            var stamps = new double[64];
            var latest = double.NegativeInfinity;
            var count = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(4))
            {
                var n = inlet.PullChunk(buffer, stamps, 0.2);
                var arrived = LslClock.LocalClock();
                for (var i = 0; i < n; i++) latest = Math.Max(latest, stamps[i] - arrived);
                count += n;
            }
            Assert.True(count > 500, $"only {count} samples arrived");
            Assert.True(latest <= 0, $"a sample was stamped {latest * 1000:F2} ms after it arrived here");
        }
        finally
        {
            amplifier.Kill();
        }
    }
}
