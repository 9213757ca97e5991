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
