using System.Text.Json.Nodes;
using Pipeline.Host.Service;
using Pipeline.Tests.Infrastructure;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Service;

public sealed class ServiceConfigurationTests
{
    private static IReadOnlyList<string> Errors(JsonObject json, string? folder = null) =>
        ServiceConfigurationValidator.Validate(Parse(json), folder ?? SharedData.RepositoryRoot).Select(e => e.ToString()).ToList();

    private static JsonObject Good() => Config("http://127.0.0.1:8740", null, SimulatorSession("p01", 10));

    [Fact]
    public void A_good_configuration_has_no_errors() => Assert.Empty(Errors(Good()));

    private static JsonObject LslSession(JsonObject source) => new()
    {
        ["id"] = "amp",
        ["source"] = source,
        ["model"] = new JsonObject { ["path"] = "models/dbconformer-demo.onnx" },
    };

    /// <summary>Issue 14, item 16: an LSL query is 'query' (as run/lsl record --lsl), the wait 'wait' (as --wait); the old names still work.</summary>
    [Fact]
    public void An_lsl_source_names_its_query_and_wait_as_the_verbs_do_and_the_old_names_still_work()
    {
        var now = Parse(Config("http://127.0.0.1:8740", null, LslSession(new JsonObject { ["kind"] = "lsl", ["query"] = "type=EEG", ["wait"] = 3 })));
        Assert.Empty(ServiceConfigurationValidator.Validate(now, SharedData.RepositoryRoot));
        var source = now.Sessions[0].Source!;
        Assert.Equal(("type=EEG", 3.0), (source.EffectiveQuery, source.EffectiveWait));
        var old = Parse(Config("http://127.0.0.1:8740", null, LslSession(new JsonObject { ["kind"] = "lsl", ["predicate"] = "type=EEG", ["resolveTimeout"] = 3 })));
        Assert.Empty(ServiceConfigurationValidator.Validate(old, SharedData.RepositoryRoot));
        Assert.Equal(("type=EEG", 3.0), (old.Sessions[0].Source!.EffectiveQuery, old.Sessions[0].Source!.EffectiveWait));
        Assert.Contains(Errors(Config("http://127.0.0.1:8740", null, LslSession(new JsonObject { ["kind"] = "lsl", ["query"] = "type=", ["wait"] = 0 })))
            , e => e.Contains("sessions[0].source.query"));
        Assert.Contains(Errors(Config("http://127.0.0.1:8740", null, LslSession(new JsonObject { ["kind"] = "lsl", ["query"] = "type=EEG", ["wait"] = 0 })))
            , e => e.Contains("sessions[0].source.wait"));
        Assert.Contains(Errors(Config("http://127.0.0.1:8740", null, LslSession(new JsonObject { ["kind"] = "lsl", ["query"] = "type=EEG", ["predicate"] = "type=EEG" })))
            , e => e.Contains("sessions[0].source.predicate") && e.Contains("give query alone"));
    }

    [Fact]
    public void The_example_configuration_is_valid()
    {
        var path = Path.Combine(SharedData.RepositoryRoot, "examples", "pipeline.json");
        var (config, error) = ServiceConfigurationLoader.Load(path);
        Assert.Null(error);
        // Its outputs go to ../out, which a fresh clone does not have: serve creates it, so it is valid as written.
        var errors = ServiceConfigurationValidator.Validate(config!, Path.GetDirectoryName(path)!);
        Assert.Empty(errors);
    }

    [Fact]
    public void Missing_model_is_named_by_its_place()
    {
        var json = Config("http://127.0.0.1:8740", null, SimulatorSession("p01", 10), SimulatorSession("p02", 10), SimulatorSession("p03", 10));
        json["sessions"]![2]!["model"]!["path"] = "models/no-such-model.onnx";
        Assert.Equal(["sessions[2].model.path: file not found"], Errors(json));
    }

    [Fact]
    public void Duplicate_session_id_is_named()
    {
        var json = Config("http://127.0.0.1:8740", null, SimulatorSession("p01", 10), SimulatorSession("p01", 10));
        Assert.Equal(["sessions[1].id: duplicate session id 'p01' (also sessions[0].id)"], Errors(json));
    }

    [Fact]
    public void Unknown_source_kind_is_named_with_the_known_kinds()
    {
        var json = Good();
        json["sessions"]![0]!["source"]!["kind"] = "bluetooth";
        Assert.Equal(["sessions[0].source.kind: unknown source kind 'bluetooth' (expected lsl, replay, simulator, microphone)"], Errors(json));
    }

    [Fact]
    public void Audio_sessions_need_a_keyword_model_and_eeg_sessions_an_eeg_decoder()
    {
        var json = Good();
        // A microphone (or a WAV file) with the EEG demo model: refused, naming the kind of model it needs.
        json["sessions"]![0]!["source"] = new JsonObject { ["kind"] = "microphone", ["device"] = "vmic" };
        Assert.Equal(["sessions[0].model.path: 'dbconformer-demo.onnx' is an EEG decoder; an audio session needs a keyword model such as models/ssl/kws-hconv.onnx"], Errors(json));
        json["sessions"]![0]!["model"] = new JsonObject { ["path"] = "models/ssl/kws-hconv.onnx" };
        Assert.Empty(Errors(json));
        json["sessions"]![0]!["model"]!["vad"] = "models/no-such-vad.onnx";
        Assert.Equal(["sessions[0].model.vad: file not found"], Errors(json));
        json["sessions"]![0]!.AsObject().Remove("model");
        Assert.Equal(["sessions[0].model: an audio session needs a keyword model, e.g. { \"path\": \"models/ssl/kws-hconv.onnx\" }"], Errors(json));
        // The keyword model on an EEG stream: refused the other way round.
        json = Good();
        json["sessions"]![0]!["model"] = new JsonObject { ["path"] = "models/ssl/kws-hconv.onnx" };
        Assert.Equal(["sessions[0].model.path: 'kws-hconv.onnx' is a speech keyword model; an EEG session needs an EEG decoder such as models/dbconformer-demo.onnx"], Errors(json));
    }

    [Fact]
    public void Channel_mismatch_against_the_model_card_is_found_before_start()
    {
        var json = Good();
        json["sessions"]![0]!["source"]!["channels"] = new JsonArray("C3", "Cz", "C4");
        var errors = Errors(json);
        var e = Assert.Single(errors);
        Assert.StartsWith("sessions[0].source: channel mismatch: the stream 'Simulator-p01' (3 channels) lacks Fz, FC3", e);
        Assert.Contains("dbconformer-demo.onnx", e);
    }

    [Fact]
    public void Rate_mismatch_of_a_replay_names_resample()
    {
        var json = Good();
        json["sessions"]![0]!["source"] = new JsonObject { ["kind"] = "replay", ["file"] = DemoRecording };
        json["sessions"]![0]!["preprocessing"] = new JsonObject { ["resample"] = 200 };
        var e = Assert.Single(Errors(json));
        Assert.StartsWith("sessions[0].preprocessing.resample: the stream runs at 200 Hz but the model was trained at 250 Hz", e);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8740")]
    [InlineData("http://*:8740")]
    [InlineData("http://+:8740")]
    [InlineData("http://192.168.1.20:8740")]
    [InlineData("http://[::]:8740")]
    [InlineData("http://example.org:8740")]
    public void Non_loopback_bind_without_key_is_refused(string url)
    {
        var json = Good();
        json["http"]!["urls"] = new JsonArray(url);
        Assert.Equal(["http.urls: binding to a non-loopback address needs http.apiKey"], Errors(json));
        json["http"]!["apiKey"] = "0123456789abcdef0123";
        Assert.Empty(Errors(json));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8740")]
    [InlineData("http://localhost:8740")]
    [InlineData("http://[::1]:8740")]
    [InlineData("http://127.0.0.2:9000")]
    public void Loopback_needs_no_key(string url) => Assert.True(ServiceConfigurationValidator.IsLoopback(url));

    [Fact]
    public void Every_error_is_collected_not_just_the_first()
    {
        var json = Config("http://0.0.0.0:8740", null, SimulatorSession("p01", 10), SimulatorSession("p01", -1), SimulatorSession("p02", 10));
        json["sessions"]![2]!["model"]!["path"] = "nope.onnx";
        json["sessions"]![0]!["decisions"]!["vote"] = "loudest";
        var errors = Errors(json);
        Assert.Contains("http.urls: binding to a non-loopback address needs http.apiKey", errors);
        Assert.Contains("sessions[1].id: duplicate session id 'p01' (also sessions[0].id)", errors);
        Assert.Contains("sessions[1].source.speed: must be a positive factor (1: real time)", errors);
        Assert.Contains("sessions[2].model.path: file not found", errors);
        Assert.Contains("sessions[0].decisions.vote: unknown vote 'loudest' (expected mean or majority)", errors);
        Assert.Equal(5, errors.Count);
    }

    [Fact]
    public void Json_errors_name_their_place()
    {
        var (_, typo) = ServiceConfigurationLoader.Parse("""{ "sessions": [ { "id": "a", "sorce": {} } ] }""");
        Assert.Equal("sessions[0].sorce", typo!.Path);
        Assert.StartsWith("unknown setting 'sorce'", typo.Message);
        var (_, type) = ServiceConfigurationLoader.Parse("""{ "sessions": [ { "id": "a", "source": { "kind": "simulator", "speed": "fast" } } ] }""");
        Assert.Equal("sessions[0].source.speed", type!.Path);
    }

    [Fact]
    public void Outputs_need_a_creatable_folder_and_their_own_file()
    {
        var folder = NewFolder();
        try
        {
            File.WriteAllText(Path.Combine(folder, "afile"), "");
            var json = Config("http://127.0.0.1:8740", null, SimulatorSession("a", 10, xdf: "rec/new/{id}.xdf"), SimulatorSession("b", 10), SimulatorSession("c", 10), SimulatorSession("d", 10, xdf: "afile/{id}.xdf"));
            json["sessions"]![1]!["sinks"] = new JsonObject { ["jsonl"] = "same.jsonl" };
            json["sessions"]![2]!["sinks"] = new JsonObject { ["jsonl"] = "same.jsonl" };
            var errors = Errors(json, folder);
            // rec/new/ does not exist yet: serve creates it. A folder path through a file cannot be created.
            Assert.Equal(["sessions[2].sinks.jsonl: 'same.jsonl' is also written by sessions[1].sinks.jsonl; give each output its own file",
                $"sessions[3].recording.xdf: the folder of 'afile/{{id}}.xdf' cannot be created: '{Path.Combine(folder, "afile")}' is a file"], errors);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Serve_refuses_a_bad_configuration_with_every_named_error_and_starts_nothing()
    {
        var folder = NewFolder();
        try
        {
            var port = FreePort();
            var json = Config($"http://0.0.0.0:{port}", null,
                SimulatorSession("p01", 10, xdf: "p01.xdf"), SimulatorSession("p01", 10), SimulatorSession("p02", 10), SimulatorSession("p03", 10));
            json["sessions"]![2]!["model"]!["path"] = "missing.onnx";
            json["sessions"]![3]!["source"]!["kind"] = "bluetooth";
            json["sessions"]![0]!["source"]!["channels"] = new JsonArray("C3", "Cz", "C4");
            var path = Write(folder, json);
            var r = PipelineCli.RunIn(folder, TimeSpan.FromMinutes(1), "serve", "--config", path);
            Assert.Equal(2, r.ExitCode);
            var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains("error: http.urls: binding to a non-loopback address needs http.apiKey", lines);
            Assert.Contains("error: sessions[1].id: duplicate session id 'p01' (also sessions[0].id)", lines);
            Assert.Contains("error: sessions[2].model.path: file not found", lines);
            Assert.Contains("error: sessions[3].source.kind: unknown source kind 'bluetooth' (expected lsl, replay, simulator, microphone)", lines);
            Assert.Contains(lines, l => l.StartsWith("error: sessions[0].source: channel mismatch", StringComparison.Ordinal));
            Assert.Contains("nothing was started", r.Err);
            Assert.DoesNotContain("starting", r.Out);
            Assert.False(File.Exists(Path.Combine(folder, "p01.xdf")));
            // The port was never bound.
            using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, port);
            probe.Start();
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
