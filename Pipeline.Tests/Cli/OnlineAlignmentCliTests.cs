using System.Text.Json.Nodes;
using Pipeline.Sources.Replay;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Cli;

/// <summary>
/// Issue 11 through the command line with an online-alignment card: seeding from a calibration recording, and bad input
/// (channels or rate that do not fit the card, cue markers that do not occur, a calibration for a fixed alignment), each
/// one clear sentence with exit 2.
/// </summary>
public sealed class OnlineAlignmentCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-online-cli-").FullName;
    private const string Demo = "recordings/demo-mi.xdf";

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string OneError(PipelineCli.Result r, int exitCode)
    {
        Assert.True(r.ExitCode == exitCode, r.All);
        Assert.DoesNotContain("   at ", r.All);
        return Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
    }

    [SharedDataFact]
    public void Replay_seeds_online_alignment_from_a_calibration_run_of_the_same_person()
    {
        var model = DemoModelVariant.Write(_dir, "eegmmidb-online", "online", edit: DemoModelVariant.Eegmmidb);
        var calibration = SharedData.File("eeg", "eegmmidb", "S002", "S002R04.edf");
        var jsonl = Path.Combine(_dir, "seeded.jsonl");
        var r = PipelineCli.Run("replay", SharedData.File("eeg", "eegmmidb", "S002", "S002R12.edf"), "--model", model,
            "--markers", "T1,T2", "--classes", "left,right", "--align-calibration", calibration, "--fast", "--quiet", "--out", jsonl);
        Assert.True(r.ExitCode == 0, r.All);
        // Every 0.25 s window (1000 samples at 160 Hz) of the calibration run.
        long frames;
        using (var recording = Recording.Open(calibration)) frames = recording.ChooseSignalStream().FrameCount;
        Assert.Contains($"online alignment: seeded from {calibration} ({(frames - 1000) / 40 + 1} windows", r.Out.Replace("\n", "", StringComparison.Ordinal));
        var lines = File.ReadLines(jsonl).Select(l => JsonNode.Parse(l)!).ToList();
        var trials = lines.Where(l => (string?)l["type"] == "trial").ToList();
        // 15 cues; the last one's 6.25 s epoch would end after the run, so 14 trials are classified (as pipeline epochs cuts 14).
        Assert.Equal(14, trials.Count);
        Assert.All(trials, t => Assert.True(double.IsFinite((double)t["values"]!["left"]!)));
        var summary = lines.Single(l => (string?)l["type"] == "summary");
        Assert.Equal("online", (string?)summary["alignment"]);
        Assert.Equal(14, (int)summary["trials"]!);
        Assert.Equal(15, (int)summary["cues"]!);
    }

    [Fact]
    public void A_calibration_for_a_card_with_a_fixed_alignment_is_one_clear_error()
    {
        var model = DemoModelVariant.Write(_dir, "fixed", "offline");
        var e = OneError(PipelineCli.Run("replay", Demo, "--model", model, "--align-calibration", Demo, "--fast"), 2);
        Assert.Contains("--align-calibration", e);
        Assert.Contains("fixed alignment matrix", e);
    }

    [Fact]
    public void Cue_markers_that_do_not_occur_are_one_clear_error_naming_those_that_do()
    {
        var model = DemoModelVariant.Write(_dir, "online", "online");
        var e = OneError(PipelineCli.Run("replay", Demo, "--model", model, "--markers", "T1,T2", "--classes", "left,right", "--fast"), 2);
        Assert.Contains("'T1', 'T2' do not occur", e);
        Assert.Contains("'left'", e);
    }

    [Fact]
    public void A_recording_lacking_a_channel_or_at_another_rate_than_the_online_card_is_one_clear_error()
    {
        // The card asks for AFz, which the demo recording does not have.
        var renamed = DemoModelVariant.Write(_dir, "afz", "online", edit: card => card["channels"]![0] = "AFz");
        var e = OneError(PipelineCli.Run("replay", Demo, "--model", renamed, "--fast"), 2);
        Assert.Contains("lacks channel AFz", e);
        // The card was trained at 160 Hz; the recording runs at 250 Hz.
        var slower = DemoModelVariant.Write(_dir, "rate", "online", edit: DemoModelVariant.Eegmmidb);
        e = OneError(PipelineCli.Run("replay", Demo, "--model", slower, "--fast"), 2);
        Assert.Contains("runs at 250 Hz but the model was trained at 160 Hz", e);
    }
}
