using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Cli;

/// <summary>Every mistake a user can make gets one clear sentence and a non-zero exit, never a stack trace.</summary>
public class BadInputTests
{
    private static void AssertOneClearError(PipelineCli.Result r, params string[] mentions)
    {
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("   at ", r.All);
        Assert.DoesNotContain("internal error", r.All);
        var errorLines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errorLines);
        foreach (var m in mentions) Assert.Contains(m, errorLines[0]);
    }

    [Fact]
    public void Missing_file()
    {
        var r = PipelineCli.Run("info", "no/such/recording.xdf");
        Assert.Equal(2, r.ExitCode);
        AssertOneClearError(r, "no/such/recording.xdf", "does not exist");
    }

    [Fact]
    public void File_that_is_neither_xdf_nor_edf()
    {
        using var tmp = new TempPath(".xdf");
        File.WriteAllText(tmp.Path, "time,C3,C4\n0.0,1,2\n");
        AssertOneClearError(PipelineCli.Run("replay", tmp.Path, "--fast"), "neither an XDF nor an EDF");
    }

    [SharedDataFact]
    public void Truncated_xdf_is_read_up_to_the_damage_and_reported_with_a_non_zero_exit()
    {
        using var tmp = new TempPath(".xdf");
        var bytes = File.ReadAllBytes(SharedData.File("xdf", "clock_resets.xdf"));
        File.WriteAllBytes(tmp.Path, bytes.AsSpan(0, bytes.Length / 2 + 7).ToArray());
        var r = PipelineCli.Run("info", tmp.Path);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("BioSemi", r.Out); // what could be read is still shown
        AssertOneClearError(r, "damaged", "ends inside a chunk");
    }

    [SharedDataFact]
    public void Broken_edf_header()
    {
        using var tmp = new TempPath(".edf");
        var bytes = File.ReadAllBytes(SharedData.File("eeg", "eegmmidb-S001", "S001R04.edf"));
        "abc     "u8.CopyTo(bytes.AsSpan(236)); // the number of data records
        File.WriteAllBytes(tmp.Path, bytes);
        AssertOneClearError(PipelineCli.Run("info", tmp.Path), "data records", "abc");
    }

    [SharedDataFact]
    public void Marker_name_that_does_not_occur()
    {
        using var tmp = new TempPath(".npz");
        AssertOneClearError(PipelineCli.Run("epochs", SharedData.File("eeg", "eegmmidb-S001", "S001R04.edf"), "--markers", "T1,T7", "--out", tmp.Path),
            "'T7'", "does not occur", "'T0'");
        Assert.False(File.Exists(tmp.Path));
    }

    [Fact]
    public void Window_longer_than_the_recording()
    {
        AssertOneClearError(PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--fast", "--window", "500"), "window of 500 s is longer");
    }

    [Fact]
    public void Contradicting_and_out_of_range_options()
    {
        AssertOneClearError(PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--fast", "--speed", "2"), "--fast and --speed");
        AssertOneClearError(PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--speed", "-1"), "speed -1");
        AssertOneClearError(PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--fast", "--band", "30", "8"), "--band");
        AssertOneClearError(PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--fast", "--band", "8", "200"), "8-200 Hz");
        AssertOneClearError(PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--fast", "--channels", "C3,XX9"), "'XX9'");
    }

    [Fact]
    public void Unknown_verb_or_option_prints_usage_and_fails()
    {
        var r = PipelineCli.Run("replya");
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("   at ", r.All);
    }
}

/// <summary>A temporary file path, deleted afterwards.</summary>
public sealed class TempPath : IDisposable
{
    public TempPath(string extension) => Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"pipeline-test-{Guid.NewGuid():N}{extension}");
    public string Path { get; }
    public void Dispose()
    {
        if (File.Exists(Path)) File.Delete(Path);
    }
}

/// <summary>Model mistakes through the command line.</summary>
public class ModelBadInputTests
{
    [Fact]
    public void Missing_model_file()
    {
        var r = PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--fast", "--model", "models/nope.onnx");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: The model file 'models/nope.onnx' does not exist", r.Err);
    }

    [SharedDataFact]
    public void Recording_that_does_not_fit_the_model_names_every_mismatch()
    {
        var r = PipelineCli.Run("replay", SharedData.File("eeg", "eegmmidb-S001", "S001R04.edf"), "--fast", "--model", "models/dbconformer-demo.onnx");
        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain("   at ", r.All);
        // EEGMMIDB has all 22 channels of the model (as 'Fcz.' etc.), but runs at 160 Hz, not 250.
        Assert.Contains("runs at 160 Hz but the model was trained at 250 Hz (add --resample 250)", r.Err);
        Assert.DoesNotContain("lacks", r.Err);
    }
}
