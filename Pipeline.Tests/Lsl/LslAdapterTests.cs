using System.Collections.Concurrent;
using System.Diagnostics;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;
using Pipeline.Lsl;
using Pipeline.Sinks.Lsl;
using Pipeline.Sources.Lsl;

namespace Pipeline.Tests.Lsl;

public sealed class LslAdapterTests
{
    [Fact]
    public void Source_emits_chunks_with_local_timestamps_and_arrival_ticks()
    {
        var config = LslTestSupport.LoopbackConfig();
        var info = new StreamInfo(LslTestSupport.UniqueName("src"), "EEG", 2, 100, ChannelFormat.Int16, "src-eeg");
        info.SetChannels([new ChannelDescription("C3", "microvolts"), new ChannelDescription("C4", "microvolts")]);
        using var outlet = new StreamOutlet(info, config: config);
        using var source = LslSource.Open(new LslSourceOptions(Name: info.Name, ResolveTimeout: 3, Config: config));
        Assert.Equal(["C3", "C4"], source.Description.ChannelLabels);
        Assert.Equal(["microvolts", "microvolts"], source.Description.ChannelUnits);
        var frames = new ConcurrentQueue<(float, float, double, long)>();
        // Reading starts with the subscription.
        using var sub = source.Chunks().Subscribe(c =>
        {
            for (var i = 0; i < c.Frames; i++) frames.Enqueue((c.Frame(i)[0], c.Frame(i)[1], c.Timestamps[i], c.ArrivalTicks));
        });
        Assert.True(outlet.WaitForConsumers(3));
        var before = Stopwatch.GetTimestamp();
        var now = LslClock.LocalClock();
        for (short i = 0; i < 40; i++) outlet.PushSample([i, (short)-i], now + i * 0.01);
        var sw = Stopwatch.StartNew();
        while (frames.Count < 40 && sw.Elapsed < TimeSpan.FromSeconds(3)) Thread.Sleep(10);
        var got = frames.ToArray();
        Assert.Equal(40, got.Length);
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal((i, -i), ((int)got[i].Item1, (int)got[i].Item2));
            Assert.True(Math.Abs(got[i].Item3 - (now + i * 0.01)) < 0.002, "timestamps stay in the local clock on one host");
            Assert.True(got[i].Item4 >= before);
        }
    }

    [Fact]
    public void Prediction_and_command_sinks_publish_streams_others_can_read()
    {
        var config = LslTestSupport.LoopbackConfig();
        var name = LslTestSupport.UniqueName("pred");
        using var predictions = new LslPredictionSink(name, ["left", "right", "rest"], config: config);
        using var commands = new LslCommandSink(name + "-cmd", config: config);

        var found = Assert.Single(LSL.ResolveByProp("name", name, 1, 3, config));
        using var predInlet = new StreamInlet(found, config: config);
        Assert.Equal(["left", "right", "rest"], predInlet.Info(3).Channels.Select(c => c.Label));
        predInlet.OpenStream(3);
        using var markers = LslSource.Open(new LslSourceOptions(Name: name + "-cmd", ResolveTimeout: 3, Config: config));
        var got = new ConcurrentQueue<Marker>();
        using var sub = markers.Markers().Subscribe(got.Enqueue);

        var p = new Prediction("probabilities", ["left", "right", "rest"]) { EndTime = 123.5 };
        p.Values[0] = 0.7f; p.Values[1] = 0.2f; p.Values[2] = 0.1f;
        predictions.OnPrediction(p);
        var values = new float[3];
        Assert.Equal(123.5, predInlet.PullSample(values, 3));
        Assert.Equal([0.7f, 0.2f, 0.1f], values);

        var t = LslClock.LocalClock();
        commands.OnCommand(new Command("s1", "left", "left", 0.9f, t, 7, 0));
        var sw = Stopwatch.StartNew();
        while (got.IsEmpty && sw.Elapsed < TimeSpan.FromSeconds(3)) Thread.Sleep(10);
        var m = Assert.Single(got);
        Assert.Equal("left", m.Text);
        Assert.Equal(name + "-cmd", m.Stream);
        Assert.True(Math.Abs(m.Timestamp - t) < 0.002);
    }

    [Fact]
    public void Source_refuses_a_missing_stream_with_one_sentence()
    {
        var config = LslTestSupport.LoopbackConfig();
        var e = Assert.Throws<PipelineException>(() => LslSource.Open(new LslSourceOptions(Name: "does-not-exist", ResolveTimeout: 0.3, Config: config)));
        Assert.Contains("does-not-exist", e.Message);
    }
}
