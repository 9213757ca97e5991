using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Cli;

/// <summary>
/// Usage mistakes exit 2 with one line saying what is wrong and which --help to read (issue 14, item 17), and a WAV
/// replay refuses the options its speech path cannot honour instead of ignoring them (item 8).
/// </summary>
public sealed class UsageErrorTests
{
    private static void AssertOneLine(PipelineCli.Result r, string what, string help)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.All}");
        Assert.Equal("", r.Out);
        var line = Assert.Single(r.Err.Trim().Split('\n'));
        Assert.StartsWith("error: ", line);
        Assert.Contains(what, line);
        Assert.EndsWith($"See '{help}'.", line);
        Assert.DoesNotContain("System.", line);
    }

    [Fact]
    public void Usage_errors_exit_2_with_one_line_naming_the_help_to_read()
    {
        AssertOneLine(PipelineCli.Run("replay"), "Required argument missing", "pipeline replay --help");
        AssertOneLine(PipelineCli.Run("nosuchverb"), "'nosuchverb'", "pipeline --help");
        AssertOneLine(PipelineCli.Run("run", "--model", "models/dbconformer-demo.onnx"), "'--lsl' is required", "pipeline run --help");
        AssertOneLine(PipelineCli.Run("lsl", "record", "--out", "x.xdf", "--duration", "abc"), "expected a number", "pipeline lsl record --help");
        // Asking for help still prints the help.
        var help = PipelineCli.Run("replay", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Examples:", help.Out);
    }

    [Fact]
    public void A_wav_replay_refuses_eeg_only_options_with_one_sentence()
    {
        using var wav = new TempPath(".wav");
        WriteSilence(wav.Path, 16000, 1600);
        foreach (var option in new[] { new[] { "--window", "2" }, ["--hop", "0.5"], ["--band", "8", "30"], ["--smooth", "3"] })
        {
            var r = PipelineCli.Run(["replay", wav.Path, "--model", "models/ssl/kws-hconv.onnx", "--fast", .. option]);
            Assert.True(r.ExitCode == 2, $"{option[0]}: exit {r.ExitCode}: {r.All}");
            var line = Assert.Single(r.Err.Trim().Split('\n'));
            Assert.Contains($"{option[0]} does not apply to a WAV file", line);
        }
    }

    private static void WriteSilence(string path, int rate, int frames)
    {
        using var w = new BinaryWriter(File.Create(path));
        w.Write("RIFF"u8); w.Write(36 + frames * 2); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1); w.Write(rate); w.Write(rate * 2); w.Write((short)2); w.Write((short)16);
        w.Write("data"u8); w.Write(frames * 2); w.Write(new byte[frames * 2]);
    }
}
