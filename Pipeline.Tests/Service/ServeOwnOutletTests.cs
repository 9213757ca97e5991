using System.Text.Json.Nodes;
using Pipeline.Lsl;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Lsl;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Service;

/// <summary>
/// Two sessions of one <c>serve</c> never take each other's outlets as inputs, also when one opens its outlet after the
/// other started looking for a stream (issue 14, item 3): the exclusion of the process's own outlets is live, not a
/// snapshot taken when a session starts resolving. A real <c>pipeline serve</c> process on loopback-only LSL.
/// </summary>
public sealed class ServeOwnOutletTests
{
    [Fact]
    public async Task A_session_waiting_for_markers_never_takes_the_command_or_prediction_outlet_another_session_opens_later()
    {
        var folder = NewFolder();
        var cfgPath = Path.Combine(folder, "lsl_api.cfg");
        File.WriteAllText(cfgPath, LslTestSupport.LoopbackConfigFileText());
        var lsl = LslConfig.FromFile(cfgPath);
        // The amplifier: a real outlet of this test process, on the private multicast port only the serve child shares.
        var amp = new StreamInfo(LslTestSupport.UniqueName("amp"), "EEG", 2, 250, ChannelFormat.Float32, "amp-src");
        using var ampOutlet = new StreamOutlet(amp, config: lsl);
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        // a: the EEG stream and cues of type Markers (there are none yet). b, started later: the demo decoder on a
        // simulator, publishing commands (type Markers) and predictions (type Predictions, opened at its first
        // prediction). c: waits for a signal of type Predictions. Both wait far longer than the test runs, however loaded
        // the machine is.
        var a = new JsonObject
        {
            ["id"] = "a",
            ["source"] = new JsonObject { ["kind"] = "lsl", ["query"] = $"name={amp.Name}", ["markers"] = "type=Markers", ["wait"] = 600 },
        };
        var b = SimulatorSession("b", 4, seed: 5);
        b["enabled"] = false;
        b["sinks"] = new JsonObject { ["lsl"] = new JsonObject { ["commands"] = "b-commands", ["predictions"] = "b-predictions" } };
        var c = new JsonObject
        {
            ["id"] = "c",
            ["source"] = new JsonObject { ["kind"] = "lsl", ["query"] = "type=Predictions", ["wait"] = 600 },
        };
        var (p, output) = StartServe(Write(folder, Config(url, null, a, b, c)), new Dictionary<string, string> { ["LSLAPICFG"] = cfgPath });
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            JsonNode status = new JsonObject();
            async Task<JsonNode> Session(string id)
            {
                status = await GetJson(http, url + "/status");
                return status["sessions"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == id)!;
            }
            Assert.True(await Eventually(async () => (await Session("a"))["state"]!.GetValue<string>() == "starting", TimeSpan.FromSeconds(60)), output.ToString());
            // a has found the amplifier and is looking for its cues (queries every 0.1 s) before b opens its outlets.
            await Task.Delay(2000);
            Assert.Equal("starting", (await Session("a"))["state"]!.GetValue<string>());

            Assert.True((await http.PostAsync(url + "/sessions/b/start", null)).IsSuccessStatusCode);
            // b's command outlet opens when it starts, its prediction outlet at its first prediction (a few windows).
            Assert.True(await Eventually(async () => (await Session("b"))["windows"]!.GetValue<long>() > 3, TimeSpan.FromSeconds(60)), output.ToString());
            await Task.Delay(2000);
            var sessionA = await Session("a");
            var sessionC = await Session("c");
            Assert.True(sessionA["state"]!.GetValue<string>() == "starting", "a took a stream of its own process: " + status.ToJsonString());
            Assert.True(sessionC["state"]!.GetValue<string>() == "starting", "c took a stream of its own process: " + status.ToJsonString());
            Assert.DoesNotContain("b-commands", output.ToString());
            Assert.DoesNotContain("b-predictions", output.ToString());

            // An outlet of another program (this test) is taken at once, and its markers arrive.
            var cues = new StreamInfo(LslTestSupport.UniqueName("stimulus"), "Markers", 1, LSL.IrregularRate, ChannelFormat.String, "stimulus-src");
            using var cueOutlet = new StreamOutlet(cues, config: lsl);
            Assert.True(await Eventually(async () => (await Session("a"))["state"]!.GetValue<string>() == "running", TimeSpan.FromSeconds(30)), output.ToString());
            Assert.Contains($"with cues from '{cues.Name}' (type Markers, source id 'stimulus-src' on ", (await Session("a"))["source"]!.GetValue<string>());
            Assert.Contains($"session a running: lsl '{amp.Name}' (type EEG, source id 'amp-src' on ", output.ToString());
            var chunk = new float[2 * 25];
            Assert.True(await Eventually(async () =>
            {
                cueOutlet.PushSample(["left"]);
                ampOutlet.PushChunk(chunk);
                return (await Session("a"))["markers"]!.GetValue<long>() > 0;
            }, TimeSpan.FromSeconds(30)), "a never received the external cues: " + status.ToJsonString());
            Assert.Equal("starting", (await Session("c"))["state"]!.GetValue<string>());

            // Another pipeline program's prediction stream (its default source id) is not this process's: c takes it, and
            // the log says whose output it is.
            var other = new StreamInfo("other-predictions", "Predictions", 2, LSL.IrregularRate, ChannelFormat.Float32, "pipeline-predictions-other-predictions");
            using var otherOutlet = new StreamOutlet(other, config: lsl);
            Assert.True(await Eventually(async () => (await Session("c"))["state"]!.GetValue<string>() != "starting", TimeSpan.FromSeconds(30)), output.ToString());
            Assert.Contains("session c: note: the signal stream 'other-predictions' (type Predictions, source id 'pipeline-predictions-other-predictions' on ", output.ToString());
            Assert.Contains("is another pipeline program's output", output.ToString());
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            p.WaitForExit();
            p.Dispose();
            Directory.Delete(folder, true);
        }
    }
}
