using Pipeline.Core.Decisions;
using Pipeline.Core.Signals;
using Pipeline.Lsl;
using Pipeline.Sinks.Lsl;
using Pipeline.Sources.Lsl;
using Pipeline.Tests.Cli;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Lsl;

/// <summary>
/// A session never takes its own outlets as inputs (issue 14, item 3): its command stream is of type Markers and used
/// to answer the session's own <c>--markers-lsl type=Markers</c>, so the session scored its commands against themselves.
/// </summary>
public sealed class OwnOutletExclusionTests
{
    [Fact]
    public void A_source_skips_excluded_outlets_that_match_and_takes_the_other_stream()
    {
        var config = LslTestSupport.LoopbackConfig();
        var type = LslTestSupport.UniqueName("Cues");
        // The same query matches the session's own outlet (re-typed here so that only this test's streams match).
        var ownInfo = new StreamInfo(LslTestSupport.UniqueName("own"), type, 1, LSL.IrregularRate, ChannelFormat.String, "own-src");
        using var ownOutlet = new StreamOutlet(ownInfo, config: config);
        var options = new LslSourceOptions(Type: type, ResolveTimeout: 1.5, Config: config, Exclude: [ownOutlet.Info.Uid]);

        var alone = Assert.Throws<PipelineException>(() => LslSource.Open(options));
        Assert.Contains("own output", alone.Message);

        var cueInfo = new StreamInfo(LslTestSupport.UniqueName("stimulus"), type, 1, LSL.IrregularRate, ChannelFormat.String, "stimulus-src");
        using var cues = new StreamOutlet(cueInfo, config: config);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var source = LslSource.Open(options with { ResolveTimeout = 5 });
            Assert.Equal(cueInfo.Name, source.Info.Name);
        }
    }

    /// <summary>
    /// The exclusion is live: a resolve that began before the process opened an outlet matching it refuses that outlet
    /// when it answers, and keeps waiting for another program's stream.
    /// </summary>
    [Fact]
    public async Task A_resolve_that_began_before_an_own_outlet_opened_refuses_it_and_takes_the_external_stream()
    {
        var config = LslTestSupport.LoopbackConfig();
        var options = new LslSourceOptions(Type: "Markers", ResolveTimeout: 30, Config: config, Exclude: LslOwnOutlets.Uids);
        var opening = Task.Run(() => LslSource.Open(options));
        await Task.Delay(500);
        // Opened while the resolve runs: the snapshot of the exclusions taken at its start did not hold it.
        using var commands = new LslCommandSink(LslTestSupport.UniqueName("cmd"), config: config);
        await Task.Delay(1500);
        if (opening.IsCompleted)
        {
            using var taken = await opening;
            Assert.Fail($"the resolve took '{taken.Info.Name}' (uid {taken.Info.Uid}; the process's own command outlet is {commands.Info.Uid})");
        }
        var cueInfo = new StreamInfo(LslTestSupport.UniqueName("stimulus"), "Markers", 1, LSL.IrregularRate, ChannelFormat.String, "stimulus-src");
        using var cues = new StreamOutlet(cueInfo, config: config);
        using var source = await opening.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(cueInfo.Name, source.Info.Name);
        Assert.Equal(cues.Info.Uid, source.ConnectedInfo.Uid);
    }

    /// <summary>
    /// After its outlet went away, a source reconnects only to another program's outlet of the same stream, never to
    /// one of its process's own outlets that carries the lost stream's name, type and source id.
    /// </summary>
    [Fact]
    public void A_reconnect_never_takes_an_own_outlet_that_carries_the_lost_stream_s_identity()
    {
        var config = LslTestSupport.LoopbackConfig();
        var name = LslTestSupport.UniqueName("relay");
        const string sourceId = "relay-src";
        StreamInfo Info() => new(name, "Markers", 1, LSL.IrregularRate, ChannelFormat.String, sourceId);
        var first = new StreamOutlet(Info(), config: config);
        using var source = LslSource.Open(new LslSourceOptions(SourceId: sourceId, ResolveTimeout: 10, Config: config, Exclude: LslOwnOutlets.Uids));
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var resumed = new ManualResetEventSlim();
        source.Recovered += _ => resumed.Set();
        using var reading = source.Subscribe(e => { if (e.IsMarker) received.Enqueue(e.Marker.Text); });
        Assert.True(PushUntil(() => first.PushSample(["one"]), () => received.Contains("one")), "the first outlet's marker never arrived");
        first.Dispose();

        // This process's own command outlet now has the lost stream's identity (name, type, source id, format).
        using var own = new LslCommandSink(name, sourceId, config: config);
        var ownUid = own.Info.Uid;
        var command = new Command("s", "own", "left", 0.9f, 0, 0, 0);
        for (var i = 0; i < 20; i++)
        {
            own.OnCommand(command);
            Thread.Sleep(100);
        }
        Assert.False(resumed.IsSet, $"the source reconnected to {source.ConnectedInfo.Uid} (own outlet {ownUid})");
        Assert.DoesNotContain("own", received);

        using var second = new StreamOutlet(Info(), config: config);
        Assert.True(resumed.Wait(TimeSpan.FromSeconds(20)), "the source never reconnected to the other program's outlet");
        Assert.Equal(second.Info.Uid, source.ConnectedInfo.Uid);
        Assert.True(PushUntil(() => { second.PushSample(["two"]); own.OnCommand(command); }, () => received.Contains("two")), "the second outlet's marker never arrived");
        Assert.DoesNotContain("own", received);
    }

    // One push every 50 ms until the condition holds (10 s at most).
    private static bool PushUntil(Action push, Func<bool> arrived)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            push();
            Thread.Sleep(50);
            if (arrived()) return true;
        }
        return false;
    }

    [Fact]
    public void The_sinks_outlets_are_listed_as_the_process_s_own_while_open()
    {
        var config = LslTestSupport.LoopbackConfig();
        string uid;
        using (var commands = new LslCommandSink(LslTestSupport.UniqueName("cmd"), config: config))
        {
            uid = commands.Info.Uid;
            Assert.Contains(uid, LslOwnOutlets.Uids);
        }
        Assert.DoesNotContain(uid, LslOwnOutlets.Uids);
    }

    [Fact]
    public void Run_with_to_lsl_never_takes_its_own_command_stream_as_the_cue_stream()
    {
        // An EEG stream and no cue stream at all: the only stream of type Markers is the run's own command outlet.
        using var cfg = new TempPath(".cfg");
        File.WriteAllText(cfg.Path, LslTestSupport.LoopbackConfigFileText());
        var config = LslConfig.FromFile(cfg.Path);
        var eeg = new StreamInfo(LslTestSupport.UniqueName("amp"), "EEG", 2, 250, ChannelFormat.Float32, "amp-src");
        using var outlet = new StreamOutlet(eeg, config: config);
        var r = PipelineCli.Run("run", "--lsl", $"name={eeg.Name}", "--markers-lsl", "type=Markers", "--to-lsl", "--model", "models/dbconformer-demo.onnx",
            "--resolve-timeout", "3", "--lsl-config", cfg.Path);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Contains("No LSL stream matching type='Markers'", r.Err);
        Assert.Contains("own output", r.Err);
        Assert.DoesNotContain("PipelineCommands' (type Markers", r.All);
    }
}
