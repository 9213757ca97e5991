using NAudio.Wave;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Xdf;

namespace Pipeline.Tests.Cli;

/// <summary>
/// <c>pipeline info</c> (issue 14, item 22): cue markers and the pipeline's own command markers are shown apart,
/// channel labels are printed unambiguously, and WAV files (which replay accepts) are described.
/// </summary>
public sealed class InfoVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-info-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Recording(string[] labels)
    {
        var times = Enumerable.Range(0, 500).Select(i => 10.0 + i / 50.0).ToArray();
        var frames = times.Select(t => labels.Select((_, c) => (float)(c + Math.Sin(t))).ToArray()).ToArray();
        var bytes = new XdfBytes()
            .Header(1, "amp", "EEG", labels.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "50", "float32", "amp-1", labels)
            .Header(2, "cues", "Markers", "1", "0", "string", "task-cues")
            .Header(3, "s1-commands", "Markers", "1", "0", "string", "pipeline-s1-commands")
            .Header(4, "s1-predictions", "Predictions", "2", "0", "float32", "pipeline-s1-predictions")
            .Samples(1, times, frames)
            .Markers(2, (12.0, "left"), (14.0, "right"), (16.0, "left"))
            .Markers(3, (13.0, "LEFT"), (15.0, "RIGHT"))
            .ToArray();
        var path = Path.Combine(_dir, "session.xdf");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Cue_markers_and_the_pipelines_command_markers_are_shown_apart()
    {
        var r = PipelineCli.Run("info", Recording(["C3", "Cz", "C4"]));
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("cue markers: 3 in 2 kinds", r.Out);
        Assert.Contains("command markers (written by a pipeline session in 's1-commands'; never used as cues): 2 in 2 kinds", r.Out);
        var cueTable = r.Out[r.Out.IndexOf("cue markers:", StringComparison.Ordinal)..r.Out.IndexOf("command markers", StringComparison.Ordinal)];
        Assert.DoesNotContain("LEFT", cueTable);
        Assert.Matches(@"│ 2 │ s1-commands\s*│ Markers\s*│.*│ commands \(pipeline\)\s*│", r.Out);
        Assert.Matches(@"│ 3 │ s1-predictions\s*│ Predictions\s*│.*│ predictions \(pipeline\)\s*│", r.Out);
        Assert.Matches(@"│ 1 │ cues\s*│ Markers\s*│.*│ cues\s*│", r.Out);
    }

    [Fact]
    public void Channel_labels_with_spaces_or_quotes_are_printed_in_double_quotes()
    {
        var r = PipelineCli.Run("info", Recording(["EEG Fp1-REF", "C3", "say \"hi\""]));
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("stream 0 channels: \"EEG Fp1-REF\" C3 \"say \\\"hi\\\"\"", r.Out);
    }

    [Fact]
    public void A_wav_file_is_described_by_its_rate_channels_format_and_duration()
    {
        var path = Path.Combine(_dir, "words.wav");
        using (var w = new WaveFileWriter(path, new WaveFormat(44100, 16, 2)))
        {
            var frame = new byte[4];
            for (var i = 0; i < 66150; i++) w.Write(frame, 0, 4); // 1.5 s
        }
        var r = PipelineCli.Run("info", path);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("(WAV, 16-bit PCM)", r.Out);
        Assert.Matches(@"│ 44100\s*│ 2\s*│ 16-bit PCM\s*│ 66150\s*│ 1\.500\s*│", r.Out);
        Assert.Contains("16 kHz mono", r.Out);

        // Cut short: described as far as it goes, and reported as damaged.
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 4 * 22050)]);
        r = PipelineCli.Run("info", path);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("1.000", r.Out);
        Assert.Contains("cut short", r.Err);
    }
}
