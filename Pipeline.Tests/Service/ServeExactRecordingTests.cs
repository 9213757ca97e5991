using System.Net;
using System.Text.Json.Nodes;
using Pipeline.Lsl;
using Pipeline.Lsl.Xdf;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Lsl;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Service;

/// <summary>
/// <c>pipeline serve</c> (the real program) records an LSL session's raw stream in the stream's own format, bit for bit
/// (issue 14, item 1): an int32 outlet's 20164001 stays 20164001 (a float32 recording made it 20164000), and double64
/// values that float32 cannot hold keep every bit. Real outlets on loopback, a real serve process, the XDF read back.
/// </summary>
public sealed class ServeExactRecordingTests
{
    private const int Frames = 1300; // 5.2 s at 250 Hz: more than the model's 4 s window, several chunks and flushes

    private static readonly string[] Montage =
        ["Fz", "FC3", "FC1", "FCz", "FC2", "FC4", "C5", "C3", "C1", "Cz", "C2", "C4", "C6", "CP3", "CP1", "CPz", "CP2", "CP4", "P1", "Pz", "P2", "POz"];

    // int32 above 2^24 (a float32 rounds 20164001 to 20164000) and at the extremes; double64 values with bits below
    // float32's precision, a NaN payload, negative zero and a subnormal.
    private static int Int32Value(int f, int c) => (f + c) % 4 switch
    {
        0 => 20164001 + f,
        1 => int.MaxValue - f,
        2 => int.MinValue + f,
        _ => 16777217 + 2 * c,
    };

    private static double DoubleValue(int f, int c) => (f + c) % 5 switch
    {
        0 => 0.1 + f * 1e-12,
        1 => 1e300 / (c + 1),
        2 => BitConverter.Int64BitsToDouble(0x7FF8_0000_1234_5678),
        3 => -0d,
        _ => double.Epsilon * (f + 1),
    };

    [Fact]
    public async Task An_lsl_session_records_int32_and_double64_streams_bit_for_bit()
    {
        var folder = NewFolder();
        var cfg = Path.Combine(folder, "lsl_api.cfg");
        File.WriteAllText(cfg, LslTestSupport.LoopbackConfigFileText());
        var config = LslConfig.FromFile(cfg);
        var tag = Guid.NewGuid().ToString("N")[..6];
        using var ints = Outlet($"exact-{tag}-int32", ChannelFormat.Int32, config);
        using var doubles = Outlet($"exact-{tag}-double64", ChannelFormat.Double64, config);
        var url = $"http://127.0.0.1:{FreePort()}";
        var path = Write(folder, Config(url, null, LslSession("i", ints.Info.Name), LslSession("d", doubles.Info.Name)));
        var (p, output) = StartServe(path, new Dictionary<string, string> { ["LSLAPICFG"] = cfg });
        try
        {
            Assert.True(ints.WaitForConsumers(60) && doubles.WaitForConsumers(30), "serve never connected to the outlets: " + output);
            for (var f = 0; f < Frames; f++)
            {
                var ts = 5000 + f / 250.0;
                ints.PushSample(Enumerable.Range(0, Montage.Length).Select(c => Int32Value(f, c)).ToArray(), ts);
                doubles.PushSample(Enumerable.Range(0, Montage.Length).Select(c => DoubleValue(f, c)).ToArray(), ts);
            }
            using var http = new HttpClient();
            // Stopped once both sessions decoded a window: everything pushed has reached them (and the recorders).
            Assert.True(await Eventually(async () =>
            {
                var status = await GetJson(http, url + "/status");
                return status["sessions"]!.AsArray().All(s => s!["windows"]!.GetValue<long>() > 0);
            }, TimeSpan.FromSeconds(60)), "the sessions decoded nothing: " + output);
            Signal(p, "TERM");
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(20)), "serve did not stop: " + output);
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {output}");

            var i32 = Raw(Path.Combine(folder, "i.xdf"));
            Assert.Equal(ChannelFormat.Int32, i32.Stream.Header.ChannelFormat);
            Assert.Equal(Frames, i32.Count);
            for (var f = 0; f < Frames; f++)
                for (var c = 0; c < Montage.Length; c++)
                    Assert.True(Int32Value(f, c) == i32.Values64![f * Montage.Length + c], $"int32 frame {f} channel {c}: sent {Int32Value(f, c)}, recorded {i32.Values64![f * Montage.Length + c]}");

            var f64 = Raw(Path.Combine(folder, "d.xdf"));
            Assert.Equal(ChannelFormat.Double64, f64.Stream.Header.ChannelFormat);
            Assert.Equal(Frames, f64.Count);
            for (var f = 0; f < Frames; f++)
                for (var c = 0; c < Montage.Length; c++)
                {
                    long sent = BitConverter.DoubleToInt64Bits(DoubleValue(f, c)), kept = BitConverter.DoubleToInt64Bits(f64.Values64![f * Montage.Length + c]);
                    Assert.True(sent == kept, $"double64 frame {f} channel {c}: sent bits {sent:X16}, recorded {kept:X16}");
                }
            // The timestamps are the producer's, mapped into this machine's clock (the same clock here, so within a ms).
            Assert.InRange(i32.Timestamps[0], 4999.999, 5000.001);
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            p.Dispose();
            Directory.Delete(folder, true);
        }
    }

    private static StreamOutlet Outlet(string name, ChannelFormat format, LslConfig config)
    {
        var info = new StreamInfo(name, "EEG", Montage.Length, 250, format, name);
        info.SetChannels(Montage.Select(l => new ChannelDescription(l, "microvolts", "EEG")));
        return new StreamOutlet(info, config: config);
    }

    private static JsonObject LslSession(string id, string stream) => new()
    {
        ["id"] = id,
        ["source"] = new JsonObject { ["kind"] = "lsl", ["name"] = stream, ["wait"] = 30 },
        ["model"] = new JsonObject { ["path"] = DemoModel },
        ["recording"] = new JsonObject { ["xdf"] = "{id}.xdf" },
    };

    private static XdfStreamData Raw(string xdf)
    {
        var file = XdfFile.Load(xdf, applyClockOffsets: false);
        Assert.Empty(file.Warnings);
        Assert.All(file.Streams, s => Assert.NotNull(s.Stream.Footer));
        return file.FindStream(1)!; // the raw stream
    }
}
