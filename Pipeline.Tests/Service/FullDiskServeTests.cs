using System.Net;
using System.Text.Json.Nodes;
using Pipeline.Lsl.Xdf;
using Pipeline.Tests.Infrastructure;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Service;

/// <summary>
/// A full disk under one session (issue 14, items 11 and 12): the JSON Lines sink or the recording that cannot write
/// stops that session alone, at once, with its reason in /status, /health, the metrics and the log; the session on
/// another disk goes on and closes with its footers; what the failed ones wrote stays readable.
/// </summary>
public sealed class FullDiskServeTests
{
    private static JsonObject ReplaySession(string id, double speed) => new()
    {
        ["id"] = id,
        ["source"] = new JsonObject { ["kind"] = "replay", ["file"] = DemoRecording, ["speed"] = speed, ["loop"] = true },
        ["model"] = new JsonObject { ["path"] = DemoModel },
    };

    [SmallFilesystemFact]
    public async Task A_full_disk_fails_that_session_alone_at_once_with_its_reason_and_the_others_go_on()
    {
        using var small = SmallFilesystem.Mount(1024);
        var folder = NewFolder();
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var jsonlFull = ReplaySession("jsonl-full", 20);
        jsonlFull["sinks"] = new JsonObject { ["jsonl"] = Path.Combine(small.Path, "full.jsonl") };
        var recordingFull = ReplaySession("recording-full", 20);
        recordingFull["recording"] = new JsonObject { ["xdf"] = Path.Combine(small.Path, "{id}.xdf") };
        var healthy = ReplaySession("healthy", 2);
        healthy["sinks"] = new JsonObject { ["jsonl"] = "healthy.jsonl" };
        healthy["recording"] = new JsonObject { ["xdf"] = "{id}.xdf" };
        var (p, output) = StartServe(Write(folder, Config(url, null, jsonlFull, recordingFull, healthy)));
        try
        {
            using var http = new HttpClient();
            // The recording fills 1 MiB in a few seconds at 20x; the JSON Lines file takes longer: fill the rest.
            var filler = Path.Combine(small.Path, "filler");
            Assert.True(await Eventually(async () => (await GetJson(http, url + "/status"))["sessions"]![0]!["windows"]!.GetValue<long>() > 4, TimeSpan.FromSeconds(60)), output.ToString());
            // The recording has samples on the disk before the filler takes the rest (headers are a few KB; 100 KB is
            // over a thousand samples of 22 channels), so what it kept can be checked below whatever the machine's load.
            var recordingPath = Path.Combine(small.Path, "recording-full.xdf");
            Assert.True(await Eventually(() => Task.FromResult(File.Exists(recordingPath) && new FileInfo(recordingPath).Length > 100_000), TimeSpan.FromSeconds(60)),
                "the recording did not grow: " + output);
            try { File.WriteAllBytes(filler, new byte[1024 * 1024]); }
            catch (IOException) { } // full: what matters is that nothing is left

            JsonNode? status = null;
            Assert.True(await Eventually(async () =>
            {
                status = await GetJson(http, url + "/status");
                return status["sessions"]![0]!["state"]!.GetValue<string>() == "failed" && status["sessions"]![1]!["state"]!.GetValue<string>() == "failed";
            }, TimeSpan.FromSeconds(30)), "the sessions on the full disk did not fail: " + status + output);
            var sessions = status!["sessions"]!.AsArray();
            Assert.Contains("full.jsonl", sessions[0]!["reason"]!.GetValue<string>());
            Assert.Contains("No space left on device", sessions[0]!["reason"]!.GetValue<string>());
            Assert.Contains("recording-full.xdf", sessions[1]!["reason"]!.GetValue<string>());
            Assert.Equal("running", sessions[2]!["state"]!.GetValue<string>());

            var health = await http.GetAsync(url + "/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            var healthJson = JsonNode.Parse(await health.Content.ReadAsStringAsync())!;
            Assert.Contains("recording-full.xdf", healthJson["failures"]!["recording-full"]!.GetValue<string>());
            var metrics = await http.GetStringAsync(url + "/metrics");
            Assert.Contains("pipeline_session_failed{otel_scope_name=\"Pipeline.Service\",session=\"recording-full\"} 1", metrics);
            Assert.Contains("session recording-full failed: The recording", output.ToString());

            // The healthy session keeps going after the others failed.
            var before = sessions[2]!["windows"]!.GetValue<long>();
            Assert.True(await Eventually(async () => (await GetJson(http, url + "/status"))["sessions"]![2]!["windows"]!.GetValue<long>() > before + 2, TimeSpan.FromSeconds(30)));

            Signal(p, "TERM");
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(10)), output.ToString());
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {output}");
            var healthyRecording = XdfReader.Open(Path.Combine(folder, "healthy.xdf"));
            Assert.Empty(healthyRecording.Warnings);
            Assert.All(healthyRecording.Streams, s => Assert.NotNull(s.Footer));
            // The recording on the full disk ends on a whole chunk: it reads without a damage warning, up to the failure.
            var failed = XdfReader.Open(Path.Combine(small.Path, "recording-full.xdf"));
            Assert.Empty(failed.Warnings);
            Assert.True(failed.FindStream(1)!.SampleCount > 250, $"the recording on the full disk kept {failed.FindStream(1)!.SampleCount} samples: {output}");
            Assert.DoesNotContain("Unhandled", output.ToString());
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            p.Dispose();
            Directory.Delete(folder, true);
        }
    }
}
