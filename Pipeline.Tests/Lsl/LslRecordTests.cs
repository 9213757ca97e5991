using System.Buffers.Binary;
using Pipeline.Lsl;
using Pipeline.Lsl.Xdf;
using Pipeline.Tests.Cli;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Lsl;

/// <summary>
/// <c>pipeline lsl record</c> (the real program) records real outlets of every format on loopback; the XDF read back
/// must hold the exact bits that were pushed. One recording of seven streams serves the seven format checks.
/// </summary>
public sealed class LslRecordTests(LslRecordTests.SevenFormats recording) : IClassFixture<LslRecordTests.SevenFormats>
{
    // Values a float round trip changes or that a careless copy loses: above 2^24 and 2^53, extremes, NaN payloads,
    // negative zero, subnormals, multi-byte UTF-8, a comma inside a marker, a string longer than 255 bytes.
    private static readonly sbyte[] Int8 = [sbyte.MinValue, sbyte.MaxValue, 0, -1, 77];
    private static readonly short[] Int16 = [short.MinValue, short.MaxValue, 0, -1, 12345];
    private static readonly int[] Int32 = [20164000, 20164001, int.MinValue, int.MaxValue, 16777217];
    private static readonly long[] Int64 = [long.MinValue, long.MaxValue, (1L << 53) + 1, -((1L << 53) + 1), 20164001];
    private static readonly float[] Float32 =
    [
        BitConverter.Int32BitsToSingle(0x7FC12345), BitConverter.Int32BitsToSingle(0x7F800001), -0f,
        BitConverter.Int32BitsToSingle(1), float.MaxValue,
    ];
    private static readonly double[] Double64 =
    [
        BitConverter.Int64BitsToDouble(0x7FF8_0000_1234_5678), BitConverter.Int64BitsToDouble(0x7FF0_0000_0000_0001), -0d,
        double.Epsilon, 0.1,
    ];
    private static readonly string[] Strings = ["", "äöü € 😀", "switch,3,1,2", new string('x', 300), "line\nbreak"];

    private static readonly ChannelFormat[] AllFormats =
    [
        ChannelFormat.Int8, ChannelFormat.Int16, ChannelFormat.Int32, ChannelFormat.Int64, ChannelFormat.Float32, ChannelFormat.Double64, ChannelFormat.String,
    ];

    public static TheoryData<ChannelFormat> Formats => new(AllFormats);

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_value_is_recorded_bit_exactly(ChannelFormat format)
    {
        Assert.True(recording.Result.ExitCode == 0, recording.Result.All);
        var stream = recording.Recording.Streams.Single(s => s.Stream.Header.ChannelFormat == format);
        Assert.Equal(Frames, stream.Count);
        var channels = stream.Stream.Header.ChannelCount;
        Assert.Equal(Channels, channels);
        for (var f = 0; f < Frames; f++)
        {
            Assert.Equal(1000 + f, stream.Timestamps[f]);
            for (var c = 0; c < channels; c++)
            {
                var i = f * channels + c;
                var k = (f + c) % 5;
                switch (format)
                {
                    case ChannelFormat.Int8: Assert.Equal(Int8[k], stream.Values[i]); break;
                    case ChannelFormat.Int16: Assert.Equal(Int16[k], stream.Values[i]); break;
                    case ChannelFormat.Int32: Assert.Equal(Int32[k], stream.Values64![i]); break;
                    case ChannelFormat.Int64: Assert.Equal(Int64[k], stream.Int64Values![i]); break;
                    case ChannelFormat.Float32: Assert.Equal(BitConverter.SingleToInt32Bits(Float32[k]), BitConverter.SingleToInt32Bits(stream.Values[i])); break;
                    case ChannelFormat.Double64: Assert.Equal(BitConverter.DoubleToInt64Bits(Double64[k]), BitConverter.DoubleToInt64Bits(stream.Values64![i])); break;
                    default: Assert.Equal(Strings[k], stream.Strings[i]); break;
                }
            }
        }
    }

    [Fact]
    public void The_recording_reports_no_outage_and_prints_no_live_status_when_redirected()
    {
        Assert.True(recording.Result.ExitCode == 0, recording.Result.All);
        Assert.Contains("no outage", recording.Result.Out);
        Assert.DoesNotContain("recording 00:", recording.Result.Out); // the live status line is for terminals only
        Assert.Equal(7, recording.Result.Out.Split('\n').Count(l => l.Contains($"{Frames} samples, 0 outage(s)")));
    }

    private const int Frames = 20;
    private const int Channels = 3;

    /// <summary>Seven outlets (one per format) recorded by one <c>lsl record</c> process; the file read back.</summary>
    public sealed class SevenFormats : IDisposable
    {
        private readonly TempPath _xdf = new(".xdf");
        private readonly TempPath _cfg = new(".cfg");

        public SevenFormats()
        {
            File.WriteAllText(_cfg.Path, LslTestSupport.LoopbackConfigFileText());
            var config = LslConfig.FromFile(_cfg.Path);
            var tag = Guid.NewGuid().ToString("N")[..6];
            var outlets = new List<StreamOutlet>();
            try
            {
                foreach (var format in AllFormats)
                    outlets.Add(new StreamOutlet(new StreamInfo($"rec-{tag}-{format.ToXmlName()}", "Test", Channels, 100, format, $"rec-{tag}-{format.ToXmlName()}"), config: config));
                var args = new List<string> { "lsl", "record", "--out", _xdf.Path, "--duration", "6", "--lsl-config", _cfg.Path };
                foreach (var o in outlets) args.AddRange(["--stream", $"name={o.Info.Name}"]);
                var run = Task.Run(() => PipelineCli.RunIn(SharedData.RepositoryRoot, TimeSpan.FromMinutes(1), [.. args]));
                foreach (var o in outlets)
                    if (!o.WaitForConsumers(30)) throw new InvalidOperationException($"lsl record never connected to {o.Info.Name}: {(run.IsCompleted ? run.Result.All : "still running")}");
                foreach (var o in outlets) Push(o);
                Result = run.GetAwaiter().GetResult();
            }
            finally
            {
                foreach (var o in outlets) o.Dispose();
            }
            Recording = Result.ExitCode == 0 ? XdfFile.Load(_xdf.Path, applyClockOffsets: false) : null!;
        }

        public PipelineCli.Result Result { get; }
        public XdfFile Recording { get; }

        private static void Push(StreamOutlet o)
        {
            for (var f = 0; f < Frames; f++)
            {
                var ts = 1000.0 + f;
                int K(int c) => (f + c) % 5;
                switch (o.Info.ChannelFormat)
                {
                    case ChannelFormat.Int8: o.PushSample([Int8[K(0)], Int8[K(1)], Int8[K(2)]], ts); break;
                    case ChannelFormat.Int16: o.PushSample([Int16[K(0)], Int16[K(1)], Int16[K(2)]], ts); break;
                    case ChannelFormat.Int32: o.PushSample([Int32[K(0)], Int32[K(1)], Int32[K(2)]], ts); break;
                    case ChannelFormat.Int64: o.PushSample([Int64[K(0)], Int64[K(1)], Int64[K(2)]], ts); break;
                    case ChannelFormat.Float32: o.PushSample([Float32[K(0)], Float32[K(1)], Float32[K(2)]], ts); break;
                    case ChannelFormat.Double64: o.PushSample([Double64[K(0)], Double64[K(1)], Double64[K(2)]], ts); break;
                    default: o.PushSample([Strings[K(0)], Strings[K(1)], Strings[K(2)]], ts); break;
                }
            }
        }

        public void Dispose()
        {
            _xdf.Dispose();
            _cfg.Dispose();
        }
    }
}

/// <summary><c>pipeline lsl record</c> says when a stream drops and when it is back, and counts both in its summary.</summary>
public sealed class LslRecordOutageTests
{
    [Fact]
    public async Task An_outlet_that_restarts_is_reported_lost_and_recovered_as_it_happens_and_counted_in_the_summary()
    {
        using var xdf = new TempPath(".xdf");
        using var cfg = new TempPath(".cfg");
        File.WriteAllText(cfg.Path, LslTestSupport.LoopbackConfigFileText());
        var config = LslConfig.FromFile(cfg.Path);
        var info = new StreamInfo(LslTestSupport.UniqueName("rec-outage"), "EEG", 2, 100, ChannelFormat.Int32, "rec-outage-" + Guid.NewGuid().ToString("N")[..6]);
        var first = new StreamOutlet(info, config: config);
        var run = Task.Run(() => PipelineCli.RunIn(SharedData.RepositoryRoot, TimeSpan.FromMinutes(1),
            "lsl", "record", "--out", xdf.Path, "--duration", "8", "--lsl-config", cfg.Path, "--stream", $"name={info.Name}"));
        Assert.True(first.WaitForConsumers(30), "lsl record never connected");
        for (var i = 0; i < 10; i++) first.PushSample([i, -i], 2000.0 + i);
        Thread.Sleep(700); // the recorder pulls every 0.5 s
        first.Dispose();
        using var second = new StreamOutlet(info, config: config);
        Assert.True(second.WaitForConsumers(10), "the recorder did not come back to the restarted outlet");
        for (var i = 10; i < 20; i++) second.PushSample([i, -i], 2000.0 + i);
        var r = await run;

        Assert.True(r.ExitCode == 0, r.All);
        var lines = r.Out.Split('\n');
        var lost = Array.FindIndex(lines, l => l.Contains("outage:") && l.Contains(info.Name));
        var back = Array.FindIndex(lines, l => l.Contains("recovered:") && l.Contains(info.Name));
        Assert.True(lost >= 0 && back > lost, r.Out);
        Assert.Contains("20 samples, 1 outage(s), 1 recovered", r.Out);
        Assert.Contains("1 outage(s), 1 recovered; the samples pushed during an outage are missing", r.Out);
        var stream = Assert.Single(XdfFile.Load(xdf.Path, applyClockOffsets: false).Streams);
        Assert.Equal(Enumerable.Range(0, 20).SelectMany(i => new double[] { i, -i }), stream.Values64!);
    }
}

/// <summary><c>pipeline lsl record</c> on a terminal (a pseudo-terminal from util-linux's <c>script</c>) shows a live status line.</summary>
public sealed class LslRecordStatusLineTests
{
    [PseudoTerminalFact]
    public async Task On_a_terminal_a_live_status_line_counts_the_samples()
    {
        using var xdf = new TempPath(".xdf");
        using var cfg = new TempPath(".cfg");
        File.WriteAllText(cfg.Path, LslTestSupport.LoopbackConfigFileText());
        var config = LslConfig.FromFile(cfg.Path);
        var info = new StreamInfo(LslTestSupport.UniqueName("rec-tty"), "EEG", 1, 100, ChannelFormat.Float32, "rec-tty");
        using var outlet = new StreamOutlet(info, config: config);
        var dll = Path.Combine(AppContext.BaseDirectory, "pipeline.dll");
        var command = $"dotnet '{dll}' lsl record --out '{xdf.Path}' --duration 3 --lsl-config '{cfg.Path}' --stream name={info.Name}";
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/script") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "-q", "-e", "-c", command, "/dev/null" }) start.ArgumentList.Add(a);
        start.Environment["TERM"] = "xterm";
        using var p = System.Diagnostics.Process.Start(start)!;
        p.StandardInput.Close();
        var output = await p.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, output);
        Assert.Contains("recording 00:00:0", output);
        Assert.Contains("no outage", output);
    }
}

/// <summary>A fact that needs util-linux's <c>script</c> to give the program a pseudo-terminal.</summary>
public sealed class PseudoTerminalFactAttribute : FactAttribute
{
    public PseudoTerminalFactAttribute() { if (!File.Exists("/usr/bin/script")) Skip = "needs util-linux's script(1) for a pseudo-terminal"; }
}
