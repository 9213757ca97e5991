using Pipeline.Sources.Replay;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Npz;
using Pipeline.Tests.Xdf;

namespace Pipeline.Tests.Cli;

/// <summary>
/// <c>pipeline epochs</c> (issue 14, items 6 and 23): markers that contain commas can be named, the npz carries the
/// units and the exact cue times, and the commands a session recorded are never taken for cues.
/// </summary>
public sealed class EpochsVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-epochs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// 60 s of 4-channel EEG at 100 Hz with cue markers as a LabRecorder Unity task writes them (commas inside), and
    /// a command stream that a pipeline session wrote into the same file, whose texts collide with the cues.
    /// </summary>
    private string UnityTaskRecording()
    {
        var times = Enumerable.Range(0, 6000).Select(i => 100.0 + i / 100.0).ToArray();
        var frames = times.Select((t, i) => Enumerable.Range(0, 4).Select(c => (float)(10 * Math.Sin(2 * Math.PI * (c + 8) * t) + c)).ToArray()).ToArray();
        var bytes = new XdfBytes()
            .Header(1, "amp", "EEG", "4", "100", "float32", "amp-1", ["C3", "Cz", "C4", "Pz"])
            .Header(2, "UnityMarkers", "Markers", "1", "0", "string", "unity-task")
            .Header(3, "s1-commands", "Markers", "1", "0", "string", "pipeline-s1-commands")
            .Samples(1, times, frames)
            .Markers(2, (110.004, "switch,3,1,2"), (120.0, "stay,3,1,2"), (130.0, "switch,3,1,2"), (140.0, "stay,3,1,2"), (150.0, "switch"))
            .Markers(3, (111.0, "switch,3,1,2"), (125.0, "stay,3,1,2"), (135.0, "stay,3,1,2"))
            .ToArray();
        var path = Path.Combine(_dir, "unity-task.xdf");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Markers_that_contain_commas_are_named_whole_with_a_repeated_marker_option()
    {
        var output = Path.Combine(_dir, "task.npz");
        var r = PipelineCli.Run("epochs", UnityTaskRecording(), "--marker", "switch,3,1,2", "--marker", "stay,3,1,2", "--classes", "switch,stay",
            "--tmin", "0", "--tmax", "2", "--out", output);
        Assert.True(r.ExitCode == 0, r.All);
        var npz = NpyTestArray.ReadNpz(output);
        Assert.Equal(["switch,3,1,2", "stay,3,1,2"], npz["markers"].Texts());
        Assert.Equal(["switch", "stay"], npz["class_names"].Texts());
        // Only the four cues: the session's commands (same texts, other times) are not cues.
        Assert.Equal([0L, 1L, 0L, 1L], npz["y"].Longs());
        Assert.Equal([110.004, 120.0, 130.0, 140.0], npz["cue_times"].Doubles());
        Assert.Equal([4, 4, 200], npz["X"].Shape);
    }

    [Fact]
    public void Markers_still_splits_at_commas_and_points_to_marker_when_a_cue_holds_commas()
    {
        var path = UnityTaskRecording();
        var r = PipelineCli.Run("epochs", path, "--markers", "switch,3,1,2", "--out", Path.Combine(_dir, "x.npz"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'3', '1', '2' do not occur", r.Err);
        Assert.Contains("--marker \"switch,3,1,2\"", r.Err);
        // --markers and --marker together: the list first, then each whole marker.
        var output = Path.Combine(_dir, "both.npz");
        r = PipelineCli.Run("epochs", path, "--markers", "switch", "--marker", "stay,3,1,2", "--tmin", "0", "--tmax", "2", "--out", output);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal(["switch", "stay,3,1,2"], NpyTestArray.ReadNpz(output)["markers"].Texts());
    }

    [Fact]
    public void Help_documents_the_marker_option_and_the_npz_entries()
    {
        var help = PipelineCli.Run("epochs", "--help").Out;
        Assert.Contains("--marker <", help);
        Assert.Contains("commas", help);
        Assert.Contains("cue_times", help);
        Assert.Contains("units", help);
        var readme = File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "README.md"));
        Assert.Contains("--marker \"switch,3,1,2\"", readme);
        var formats = File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "docs", "output-formats.md"));
        Assert.Contains("`cue_times`", formats);
        Assert.Contains("`units`", formats);
    }

    [Fact]
    public void The_npz_holds_units_and_the_exact_cue_times_beside_the_first_sample_times()
    {
        var output = Path.Combine(_dir, "demo.npz");
        var r = PipelineCli.Run("epochs", "recordings/demo-mi.xdf", "--markers", "left,right", "--tmin", "0.5", "--tmax", "4.5", "--out", output);
        Assert.True(r.ExitCode == 0, r.All);
        var npz = NpyTestArray.ReadNpz(output);
        var n = npz["y"].Shape[0];
        Assert.Equal(Enumerable.Repeat("uV", npz["channel_labels"].Shape[0]), npz["units"].Texts());
        using var recording = Recording.Open(Path.Combine(SharedData.RepositoryRoot, "recordings", "demo-mi.xdf"));
        var cues = recording.CueMarkers.Where(m => m.Text is "left" or "right").Select(m => m.Timestamp).ToArray();
        var cueTimes = npz["cue_times"].Doubles();
        var onsets = npz["onsets"].Doubles();
        Assert.Equal(n, cueTimes.Length);
        Assert.Equal(cues.Take(n), cueTimes);
        var period = 1 / npz["rate"].Doubles()[0];
        // onsets = first sample at or after cue + tmin, minus tmin: never before the cue, less than a sample after it.
        for (var i = 0; i < n; i++)
            Assert.InRange(onsets[i] - cueTimes[i], -1e-4 * period, period);
    }
}
