using Pipeline.Lsl.Xdf;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Cli;

/// <summary><c>pipeline simulate --channels</c> (issue 14, item 21): a count with a standard layout, or the labels themselves.</summary>
public sealed class SimulateVerbTests
{
    [Fact]
    public void A_count_without_a_layout_says_how_to_name_the_channels_with_an_option_that_exists()
    {
        var r = PipelineCli.Run("simulate", "--channels", "70", "--out", Path.Combine(Path.GetTempPath(), "never-written.xdf"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no standard layout for 70 channels", r.Err);
        Assert.Contains("--channels FC3,C3,CP3", r.Err);
        Assert.DoesNotContain("internal error", r.All);
    }

    [Fact]
    public void Channel_labels_given_on_the_command_line_are_the_recordings_channels()
    {
        using var tmp = new TempPath(".xdf");
        var r = PipelineCli.Run("simulate", "--minutes", "0.1", "--channels", "C3,Cz,C4", "--out", tmp.Path);
        Assert.True(r.ExitCode == 0, r.All);
        var eeg = XdfReader.Open(tmp.Path).Streams.Single(s => s.Header.Type == "EEG");
        Assert.Equal(["C3", "Cz", "C4"], eeg.Header.Channels.Select(c => c.Label));
        var bad = PipelineCli.Run("simulate", "--minutes", "0.1", "--channels", "C3,Q9", "--out", tmp.Path);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("'Q9'", bad.Err);
        Assert.Contains("C3,Cz,C4", PipelineCli.Run("simulate", "--help").Out);
    }
}
