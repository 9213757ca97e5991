using System.Buffers.Binary;
using System.Text;
using NAudio.Wave;
using Pipeline.Core.Signals;
using Pipeline.Sources.Audio;
using Pipeline.Sources.Edf;
using Pipeline.Sources.Replay;
using Pipeline.Tests.Edf;
using Pipeline.Tests.Gdf;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Xdf;

namespace Pipeline.Tests.Cli;

/// <summary>
/// Absurd values in headers and options (issue 14, item 13): each is one clear sentence and exit 2 or 3, within
/// memory proportional to the real data, never exit 70 or minutes of no answer.
/// </summary>
public sealed class ExtremeValueTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-extreme-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string OneErrorLine(PipelineCli.Result r, int exitCode)
    {
        Assert.True(r.ExitCode == exitCode, $"exit {r.ExitCode}, expected {exitCode}: {r.All}");
        Assert.DoesNotContain("internal error", r.All);
        Assert.DoesNotContain("   at ", r.All);
        return Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
    }

    /// <summary>A 2-channel EEG stream whose header declares <paramref name="channelCount"/> and <paramref name="rate"/>, 100 real frames, and cue markers.</summary>
    private string LyingXdf(string channelCount, string rate)
    {
        var times = Enumerable.Range(0, 100).Select(i => 1.0 + i * 0.01).ToArray();
        var frames = times.Select(t => new[] { (float)Math.Sin(t), (float)Math.Cos(t) }).ToArray();
        var bytes = new XdfBytes()
            .Header(1, "amp", "EEG", channelCount, rate, "float32")
            .Header(2, "cues", "Markers", "1", "0", "string")
            .Samples(1, times, frames)
            .Markers(2, (1.2, "left"), (1.5, "right"))
            .ToArray();
        var path = Path.Combine(_dir, $"lying-{channelCount.Length}-{rate.Length}.xdf");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("2147483648")]
    [InlineData("4611686018427387904")]
    [InlineData("100000000")]
    [InlineData("10000000")]
    [InlineData("1000000")]
    public void Xdf_channel_counts_from_a_million_to_beyond_2_pow_31_are_damage_not_a_crash_or_a_hang(string channelCount)
    {
        var path = LyingXdf(channelCount, "100");
        var info = OneErrorLine(PipelineCli.Run("info", path), 3);
        Assert.Contains($"declares {channelCount} channels", info);
        Assert.Contains("cues", PipelineCli.Run("info", path).Out); // the rest of the file is still shown
        var replay = OneErrorLine(PipelineCli.Run("replay", path, "--fast"), 2);
        Assert.Contains("damaged", replay);
    }

    [Fact]
    public void A_lying_channel_count_costs_memory_in_proportion_to_the_file_not_the_claim()
    {
        var path = LyingXdf("10000000", "100");
        var before = GC.GetAllocatedBytesForCurrentThread();
        using (var recording = Recording.Open(path))
        {
            Assert.DoesNotContain(recording.Streams, s => s.Description.ChannelCount > 2);
            Assert.NotEmpty(recording.Warnings);
        }
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16 << 20);
    }

    [Theory]
    [InlineData("1e308")]
    [InlineData("1e9")]
    [InlineData("1e-300")]
    public void Xdf_nominal_rates_of_1e308_and_1e9_are_damage_not_an_overflow(string rate)
    {
        var path = LyingXdf("2", rate);
        Assert.Contains($"nominal rate of {rate} Hz", OneErrorLine(PipelineCli.Run("info", path), 3));
        Assert.Contains($"nominal rate of {rate} Hz", OneErrorLine(PipelineCli.Run("replay", path, "--fast"), 2));
        Assert.Contains("nominal rate", OneErrorLine(PipelineCli.Run("epochs", path, "--markers", "left,right", "--out", Path.Combine(_dir, "e.npz")), 2));
    }

    [Fact]
    public void Edf_record_duration_of_a_nanosecond_is_one_clear_sentence()
    {
        var w = new EdfTestWriter { Duration = "1e-9", RecordCount = 3 };
        w.Signals.Add(new("C3", 160));
        using var tmp = new TempFile(w.Build());
        foreach (var verb in new[] { "info", "replay" })
        {
            var r = verb == "info" ? PipelineCli.Run("info", tmp.Path) : PipelineCli.Run("replay", tmp.Path, "--fast");
            var line = OneErrorLine(r, 2);
            Assert.Contains("duration of a data record", line);
            Assert.Contains("1.6E+11 Hz", line);
        }
    }

    [Fact]
    public void Edf_record_duration_of_1e300_s_is_one_clear_sentence_not_a_rate_of_1e_minus_298_hz()
    {
        var w = new EdfTestWriter { Duration = "1e300", RecordCount = 3 };
        w.Signals.Add(new("C3", 160));
        using var tmp = new TempFile(w.Build());
        var line = OneErrorLine(PipelineCli.Run("info", tmp.Path), 2);
        Assert.Contains("duration of a data record", line);
        Assert.Contains("1.6E-298 Hz", line);
    }

    [Fact]
    public void Gdf_record_duration_of_a_nanosecond_is_one_clear_sentence()
    {
        var w = new GdfTestWriter { DurationNumerator = 1, DurationDenominator = 1_000_000_000 };
        using var tmp = new TempFile(w.Build(), ".gdf");
        var line = OneErrorLine(PipelineCli.Run("info", tmp.Path), 2);
        Assert.Contains("record duration", line);
        Assert.Contains("4E+09 Hz", line);
    }

    [Fact]
    public void Edf_plus_time_keeping_onset_of_1e308_is_damage_not_a_date_overflow()
    {
        var w = new EdfTestWriter { Reserved = "EDF+C", RecordCount = 3, Annotations = r => r == 0 ? "+1e308\u0014\u0014\0+0.5\u0014T1\u0014\0" : $"+{r}\u0014\u0014\0" };
        w.Signals.Add(new("C3", 100));
        w.Signals.Add(new("EDF Annotations", 30, IsAnnotation: true));
        using var tmp = new TempFile(w.Build());
        using (var edf = EdfFile.Open(tmp.Path))
        {
            Assert.Equal(0, edf.StartOffsetSeconds);
            Assert.Equal(new DateTime(2003, 2, 1, 4, 5, 6), edf.StartDateTime);
            Assert.Equal(["T1"], edf.ReadAnnotations().Select(m => m.Text));
            Assert.Contains(edf.Warnings, x => x.Contains("'+1e308'", StringComparison.Ordinal));
        }
        var line = OneErrorLine(PipelineCli.Run("info", tmp.Path), 3);
        Assert.Contains("+1e308", line);
    }

    [Theory]
    [InlineData("1e12")]
    [InlineData("1e5")]
    [InlineData("1e308")]
    public void Epochs_longer_than_the_recording_are_refused_before_any_buffer_is_sized(string tmax)
    {
        var output = Path.Combine(_dir, "epochs.npz");
        var line = OneErrorLine(PipelineCli.Run("epochs", "recordings/demo-mi.xdf", "--markers", "left,right", "--tmax", tmax, "--out", output), 2);
        Assert.Contains("longer than the stream", line);
        Assert.Contains("choose a shorter epoch", line);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("1e9", "is not a sampling rate")]
    [InlineData("1e308", "is not a sampling rate")]
    [InlineData("100000", "more than 16 times the stream's 250 Hz")]
    public void Epochs_resampled_to_an_absurd_rate_are_refused(string rate, string expected)
    {
        var line = OneErrorLine(PipelineCli.Run("epochs", "recordings/demo-mi.xdf", "--markers", "left,right", "--resample", rate, "--out", Path.Combine(_dir, "r.npz")), 2);
        Assert.Contains(expected, line);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_wav_file_declaring_one_or_two_hertz_is_refused_before_it_is_resampled(int rate)
    {
        // 32 KB of samples: at the rate the header claims, resampled to 16 kHz, that would be 2 GB.
        var path = Path.Combine(_dir, $"rate{rate}.wav");
        using (var w = new WaveFileWriter(path, new WaveFormat(8000, 16, 1)))
            w.Write(new byte[32000], 0, 32000);
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), rate);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(28), rate * 2);
        File.WriteAllBytes(path, bytes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<PipelineException>(() => WavFileSource.Open(path));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 4 << 20);
        Assert.Contains($"rate of {rate} Hz", e.Message);
        Assert.Contains($"rate of {rate} Hz", OneErrorLine(PipelineCli.Run("info", path), 2));
    }

    [Fact]
    public void Epochs_and_simulate_to_a_full_device_say_so_in_one_sentence_and_leave_the_device_alone()
    {
        if (!File.Exists("/dev/full")) return; // Linux only: /dev/full fails every write with ENOSPC
        var line = OneErrorLine(PipelineCli.Run("epochs", "recordings/demo-mi.xdf", "--markers", "left,right", "--out", "/dev/full"), 2);
        Assert.Contains("'/dev/full' could not be written", line);
        Assert.Contains("No space left on device", line);
        line = OneErrorLine(PipelineCli.Run("simulate", "--minutes", "0.2", "--out", "/dev/full"), 2);
        Assert.Contains("No space left on device", line);
        Assert.False(File.Exists("/dev/full.partial"));
        Assert.True(File.Exists("/dev/full"));
    }

    [Fact]
    public void A_failed_write_never_destroys_the_file_that_was_there()
    {
        // The output holds an earlier result; the new archive cannot be created beside it (a folder is in the way).
        var output = Path.Combine(_dir, "keep.npz");
        File.WriteAllText(output, "an earlier result");
        Directory.CreateDirectory(output + ".partial");
        var line = OneErrorLine(PipelineCli.Run("epochs", "recordings/demo-mi.xdf", "--markers", "left,right", "--out", output), 2);
        Assert.Contains("keep.npz", line);
        Assert.Equal("an earlier result", File.ReadAllText(output));
        // Once the way is clear, a successful run replaces it.
        Directory.Delete(output + ".partial");
        Assert.Equal(0, PipelineCli.Run("epochs", "recordings/demo-mi.xdf", "--markers", "left,right", "--out", output).ExitCode);
        Assert.StartsWith("PK", Encoding.ASCII.GetString(File.ReadAllBytes(output), 0, 2));
        Assert.False(File.Exists(output + ".partial"));
    }
}
