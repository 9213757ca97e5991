using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Npz;

namespace Pipeline.Tests.Cli;

/// <summary>The verbs end to end, as a user runs them.</summary>
public class VerbTests
{
    [SharedDataTheory]
    [InlineData("xdf/minimal.xdf", new[] { "SendDataC", "SendDataString" })]
    [InlineData("xdf/clock_resets.xdf", new[] { "BioSemi", "MyMarkerStream" })]
    [InlineData("xdf/empty_streams.xdf", new[] { "ctrl", "counter" })]
    [InlineData("xdf/twochannel_string_marker.xdf", new string[0])]
    [InlineData("eeg/eegmmidb-S001/S001R04.edf", new[] { "S001R04", "EDF+C", "T1", "T2", "T0" })]
    [InlineData("eeg/eegmmidb-S001/S001R08.edf", new[] { "S001R08", "EDF+C", "T1", "T2" })]
    public void Info_prints_the_streams_of_real_recordings(string file, string[] expected)
    {
        var r = PipelineCli.Run("info", SharedData.File(file.Split('/')));
        Assert.True(r.ExitCode == 0, r.All);
        foreach (var e in expected) Assert.Contains(e, r.Out);
    }

    [SharedDataFact]
    public void Info_on_the_edf_shows_64_channels_at_160_hz_and_the_cue_counts()
    {
        var r = PipelineCli.Run("info", SharedData.File("eeg", "eegmmidb-S001", "S001R04.edf"));
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"│ 0 │ S001R04\s*│ EEG\s*│ 64\s*│ 160\s*│", r.Out);
        Assert.Matches(@"│ T1\s*│ [78]\s*│", r.Out);
        Assert.Matches(@"│ T0\s*│ 15\s*│", r.Out);
    }

    [SharedDataFact]
    public void Epochs_of_S001R04_have_the_shapes_and_labels_training_expects()
    {
        using var tmp = new TempPath(".npz");
        var r = PipelineCli.Run("epochs", SharedData.File("eeg", "eegmmidb-S001", "S001R04.edf"), "--markers", "T1,T2", "--classes", "left,right",
            "--tmin", "0.5", "--tmax", "3.5", "--band", "8", "30", "--out", tmp.Path);
        Assert.True(r.ExitCode == 0, r.All);
        var npz = NpyTestArray.ReadNpz(tmp.Path);
        Assert.Equal([15, 64, 480], npz["X"].Shape);
        Assert.Equal([15], npz["y"].Shape);
        Assert.Equal(["left", "right"], npz["class_names"].Texts());
        Assert.Equal(["T1", "T2"], npz["markers"].Texts());
        Assert.Contains("C3", npz["channel_labels"].Texts());
        Assert.Contains("FCz", npz["channel_labels"].Texts());
        Assert.Equal(160.0, npz["rate"].Doubles()[0]);
        Assert.Equal([8.0, 30.0], npz["band"].Doubles());
        // y follows the cue order of the file; onsets rise and match the EDF annotations (~4.15 s apart, cues every other annotation).
        var onsets = npz["onsets"].Doubles();
        Assert.True(onsets.Zip(onsets.Skip(1)).All(p => p.Second - p.First is > 8 and < 8.6), string.Join(", ", onsets));
        // The exact annotation times, and the first sample at or after each (at 160 Hz, within 6.25 ms).
        var cues = npz["cue_times"].Doubles();
        Assert.Equal([4.2, 12.5, 20.8], cues.Take(3).Select(c => Math.Round(c, 6)));
        Assert.All(cues.Zip(onsets), p => Assert.InRange(p.Second - p.First, -1e-6, 1 / 160.0));
        Assert.Equal(Enumerable.Repeat("uV", 64), npz["units"].Texts());
        Assert.All(npz["X"].Floats(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Simulate_writes_a_recording_that_replays_deterministically()
    {
        using var a = new TempPath(".xdf");
        using var b = new TempPath(".xdf");
        Assert.Equal(0, PipelineCli.Run("simulate", "--minutes", "0.5", "--seed", "3", "--channels", "8", "--out", a.Path).ExitCode);
        Assert.Equal(0, PipelineCli.Run("simulate", "--minutes", "0.5", "--seed", "3", "--channels", "8", "--out", b.Path).ExitCode);
        Assert.Equal(File.ReadAllBytes(a.Path), File.ReadAllBytes(b.Path));
        var info = PipelineCli.Run("info", a.Path);
        Assert.Equal(0, info.ExitCode);
        Assert.Matches(@"│ EEG\s*│ 8\s*│ 250\s*│ float32\s*│ 7500\s*│", info.Out);
    }

    [Fact]
    public void Replay_without_a_model_writes_band_power_per_window_to_json_lines()
    {
        using var tmp = new TempPath(".jsonl");
        var r = PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--fast", "--window", "2", "--hop", "0.5", "--out", tmp.Path);
        Assert.True(r.ExitCode == 0, r.All);
        var lines = File.ReadAllLines(tmp.Path);
        var predictions = lines.Where(l => l.Contains("\"type\":\"prediction\"")).ToList();
        // 180 s, 2 s windows every 0.5 s: (180 - 2) / 0.5 + 1 windows.
        Assert.Equal(357, predictions.Count);
        Assert.Contains("\"C3\":", predictions[0]);
        Assert.Equal(23, lines.Count(l => l.Contains("\"type\":\"marker\"")));
        Assert.Contains("\"type\":\"summary\"", lines[^1]);
    }
}
