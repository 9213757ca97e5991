using System.Diagnostics;
using System.Net;
using Pipeline.Lsl.Xdf;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Service;

/// <summary><c>pipeline serve</c> as a real process: SIGTERM and kill -9 during recording.</summary>
public sealed class ServeProcessTests
{
    private static async Task<(Process P, System.Text.StringBuilder Out, string Url, string Folder)> Serve(double speed)
    {
        var folder = NewFolder();
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var path = Write(folder, Config(url, null, SimulatorSession("a", speed, seed: 7, xdf: "{id}.xdf"), SimulatorSession("b", speed, seed: 8, xdf: "{id}.xdf")));
        var (p, output) = StartServe(path);
        using var http = new HttpClient();
        var ready = await Eventually(async () => (await http.GetAsync(url + "/health")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        if (!ready)
        {
            p.Kill(true);
            Assert.Fail("serve never became ready: " + output);
        }
        return (p, output, url, folder);
    }

    [Fact]
    public async Task Sigterm_writes_footers_and_exits_0_within_5_s()
    {
        var (p, output, url, folder) = await Serve(10);
        try
        {
            using var http = new HttpClient();
            Assert.True(await Eventually(async () => (await GetJson(http, url + "/status"))["sessions"]![1]!["windows"]!.GetValue<long>() > 3, TimeSpan.FromSeconds(15)));
            var sw = Stopwatch.StartNew();
            Signal(p, "TERM");
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(5)), "serve did not exit within 5 s of SIGTERM: " + output);
            sw.Stop();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {output}");
            Assert.InRange(sw.Elapsed.TotalSeconds, 0, 5);
            var log = output.ToString();
            Assert.Contains("session a stopped:", log);
            Assert.Contains("session b stopped:", log);
            foreach (var id in new[] { "a", "b" })
            {
                var reader = XdfReader.Open(Path.Combine(folder, id + ".xdf"));
                Assert.Empty(reader.Warnings);
                Assert.Equal(4, reader.Streams.Count);
                Assert.All(reader.Streams, s => Assert.NotNull(s.Footer));
                Assert.True(reader.FindStream(1)!.SampleCount > 0);
                Assert.True(reader.FindStream(3)!.SampleCount > 3);
            }
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            p.Dispose();
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public async Task Kill_9_leaves_a_readable_recording_with_everything_up_to_1_s_before()
    {
        var (p, output, url, folder) = await Serve(4);
        try
        {
            using var http = new HttpClient();
            await Task.Delay(1500);
            var status = await GetJson(http, url + "/status");
            var framesBefore = new[] { status["sessions"]![0]!["frames"]!.GetValue<long>(), status["sessions"]![1]!["frames"]!.GetValue<long>() };
            Assert.All(framesBefore, f => Assert.True(f > 0));
            await Task.Delay(1000);
            Signal(p, "KILL");
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(5)));
            for (var i = 0; i < 2; i++)
            {
                var reader = XdfReader.Open(Path.Combine(folder, (i == 0 ? "a" : "b") + ".xdf"));
                var raw = reader.FindStream(1)!;
                Assert.Null(raw.Footer);
                // Every frame the session had received a second before the kill is in the file, readable.
                var samples = reader.ReadSamples().Where(c => c.StreamId == 1).Sum(c => (long)c.Count);
                Assert.True(samples >= framesBefore[i], $"session {i}: {samples} frames on disk, {framesBefore[i]} received 1 s before the kill");
                Assert.True(reader.FindStream(3)!.SampleCount > 0);
            }
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            p.Dispose();
            Directory.Delete(folder, true);
        }
    }
}
