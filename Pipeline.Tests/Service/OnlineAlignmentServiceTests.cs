using System.Net;
using System.Text.Json.Nodes;
using Pipeline.Host.Service;
using Pipeline.Tests.Infrastructure;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Service;

/// <summary>
/// The service's side of issue 11: <c>model.markers</c>/<c>classes</c> (the cue mapping) and <c>model.alignCalibration</c>
/// checked before start, and a running session's online alignment, guarded windows and trial accuracy in <c>/status</c>.
/// </summary>
public sealed class OnlineAlignmentServiceTests : IDisposable
{
    private readonly string _folder = NewFolder();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static IReadOnlyList<string> Errors(JsonObject json) =>
        ServiceConfigurationValidator.Validate(Parse(json), SharedData.RepositoryRoot).Select(e => e.ToString()).ToList();

    private static JsonObject ReplaySession(string model, double speed) => new()
    {
        ["id"] = "eeg",
        ["source"] = new JsonObject { ["kind"] = "replay", ["file"] = DemoRecording, ["speed"] = speed },
        ["model"] = new JsonObject { ["path"] = model },
    };

    [Fact]
    public void Cue_mapping_and_alignment_calibration_are_checked_before_start_by_their_place()
    {
        var online = DemoModelVariant.Write(_folder, "online", "online");
        var json = Config("http://127.0.0.1:8740", null, ReplaySession(online, 10));
        var model = json["sessions"]![0]!["model"]!;
        model["markers"] = new JsonArray("left", "right");
        model["classes"] = new JsonArray("left", "right");
        model["alignCalibration"] = DemoRecording;
        Assert.Empty(Errors(json));

        model["classes"] = new JsonArray("left", "up");
        Assert.Equal(["sessions[0].model.classes: the marker 'right' is mapped to 'up', which is not a class of the model (left, right); give one class per marker"], Errors(json));
        model["classes"] = new JsonArray("left");
        Assert.Equal(["sessions[0].model.markers: classes names 1 classes for 2 markers; give one class per marker, in the same order."], Errors(json));
        model.AsObject().Remove("markers");
        Assert.Equal(["sessions[0].model.classes: names the classes of cue markers, but markers is missing; give markers too, one per class"], Errors(json));
        model.AsObject().Remove("classes");

        model["alignCalibration"] = "recordings/no-such-calibration.xdf";
        Assert.Equal(["sessions[0].model.alignCalibration: file not found"], Errors(json));
        model["alignCalibration"] = DemoRecording;
        model["path"] = DemoModel; // a fixed alignment matrix
        Assert.Equal(["sessions[0].model.alignCalibration: the card of 'dbconformer-demo.onnx' applies a fixed alignment matrix (not online), so there is nothing to seed; leave alignCalibration out"], Errors(json));
    }

    [Fact]
    public async Task Status_shows_online_alignment_its_guarded_windows_and_the_trial_accuracy()
    {
        var online = DemoModelVariant.Write(_folder, "online", "online");
        var url = $"http://127.0.0.1:{FreePort()}";
        var session = ReplaySession(online, 8);
        session["model"]!["alignCalibration"] = DemoRecording;
        var (p, output) = StartServe(Write(_folder, Config(url, null, session)));
        try
        {
            using var http = new HttpClient();
            Assert.True(await Eventually(async () => (await http.GetAsync(url + "/health")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60)), "serve never became ready: " + output);
            Assert.True(await Eventually(async () => (await GetJson(http, url + "/status"))["sessions"]![0]!["trials"]!.GetValue<long>() >= 2, TimeSpan.FromSeconds(90)),
                "no trial was scored: " + output);
            var status = (await GetJson(http, url + "/status"))["sessions"]![0]!;
            Assert.Equal("online", (string?)status["alignment"]);
            Assert.Equal(0, status["guarded"]!.GetValue<long>());
            Assert.InRange(status["trialAccuracy"]!.GetValue<double>(), 0, 1);
            Assert.Contains("online alignment seeded from", output.ToString());
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            p.Dispose();
        }
    }
}
