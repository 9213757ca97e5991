using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Pipeline.Host.Service;
using Pipeline.Tests.Infrastructure;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Service;

/// <summary>
/// <c>serve --check</c> finds what used to fail only at run time (issue 14, item 15), and <c>serve</c> starts no
/// session (and creates no file) before its HTTP port is bound; a configuration as written in a fresh clone runs
/// (item 20: output folders are created).
/// </summary>
public sealed class ServeCheckTests
{
    private static IReadOnlyList<string> Errors(JsonObject json, string folder) =>
        ServiceConfigurationValidator.Validate(Parse(json), folder).Select(e => e.ToString()).ToList();

    [Fact]
    public void Check_refuses_unsafe_ids_unusable_urls_malformed_queries_corrupt_models_huge_smoothing_and_kernel_paths()
    {
        var folder = NewFolder();
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "corrupt.onnx"), [.. Enumerable.Range(0, 4000).Select(i => (byte)(i * 37))]);
            File.Copy(Path.ChangeExtension(DemoModel, ".json"), Path.Combine(folder, "corrupt.json"));
            var dotdot = SimulatorSession("..", 10, xdf: "{id}.xdf");
            var lsl = new JsonObject
            {
                ["id"] = "amp",
                ["source"] = new JsonObject { ["kind"] = "lsl", ["type"] = "EEG", ["markers"] = "name='x' and (" },
                ["model"] = new JsonObject { ["path"] = "corrupt.onnx" },
                ["decisions"] = new JsonObject { ["smooth"] = int.MaxValue },
                ["recording"] = new JsonObject { ["xdf"] = "/proc/self/{id}.xdf" },
            };
            var json = Config("https://127.0.0.1:8750", null, dotdot, lsl);
            json["http"]!["urls"]!.AsArray().Add("http://127.0.0.1:99999");
            json["http"]!["urls"]!.AsArray().Add("http://[::ffff:127.0.0.1]:8751");
            var errors = Errors(json, folder);
            Assert.Contains(errors, e => e.StartsWith("http.urls[0]: 'https://127.0.0.1:8750' is not an http URL", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.StartsWith("http.urls[1]: 'http://127.0.0.1:99999'", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.StartsWith("http.urls[2]: 'http://[::ffff:127.0.0.1]:8751'", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.StartsWith("sessions[0].id: '..' is not a valid id", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.StartsWith("sessions[1].source.markers: 'name='x' and (' is not a valid LSL query", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.StartsWith("sessions[1].model.path: ", StringComparison.Ordinal) && e.Contains("corrupt.onnx", StringComparison.Ordinal));
            Assert.Contains("sessions[1].decisions.smooth: must be at most 1000 windows", errors);
            Assert.Contains(errors, e => e.StartsWith("sessions[1].recording.xdf: '/proc/self/{id}.xdf' is under /proc", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    /// <summary>
    /// A session's input is never an output of the same service (issue 14, item 3, for files): a replay of the file
    /// another session records (an earlier run's recording, which that session replaces) or a calibration recording
    /// it writes is refused, named by both places.
    /// </summary>
    [Fact]
    public void A_replay_or_calibration_of_a_file_this_service_writes_is_refused()
    {
        var folder = NewFolder();
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "out"));
            File.Copy(DemoRecording, Path.Combine(folder, "out", "rec.xdf")); // what the last run recorded
            var recorder = SimulatorSession("rec", 1, xdf: "out/{id}.xdf");
            var replay = new JsonObject
            {
                ["id"] = "again",
                ["source"] = new JsonObject { ["kind"] = "replay", ["file"] = "out/rec.xdf" },
                ["model"] = new JsonObject { ["path"] = DemoModel },
            };
            var errors = Errors(Config("http://127.0.0.1:8740", null, recorder, replay), folder);
            Assert.Equal(["sessions[1].source.file: 'out/rec.xdf' is written by sessions[0].recording.xdf of this service; read a finished recording, not an output of this service"], errors);
            // The same recording under another name is a finished file: fine.
            File.Copy(DemoRecording, Path.Combine(folder, "out", "yesterday.xdf"));
            replay["source"]!["file"] = "out/yesterday.xdf";
            Assert.Empty(Errors(Config("http://127.0.0.1:8740", null, recorder.DeepClone().AsObject(), replay.DeepClone().AsObject()), folder));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void More_sessions_than_the_documented_limit_are_refused()
    {
        var sessions = Enumerable.Range(0, ServiceConfigurationValidator.MaxSessions + 1).Select(i => SimulatorSession($"s{i}", 1)).ToArray();
        var errors = Errors(Config("http://127.0.0.1:8740", null, sessions), SharedData.RepositoryRoot);
        Assert.Contains(errors, e => e.StartsWith($"sessions: {ServiceConfigurationValidator.MaxSessions + 1} sessions are more than the {ServiceConfigurationValidator.MaxSessions}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_port_in_use_exits_2_before_any_session_started_or_created_a_file()
    {
        var folder = NewFolder();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (p, output) = StartServe(Write(folder, Config($"http://127.0.0.1:{port}", null, SimulatorSession("a", 10, xdf: "out/{id}.xdf"))));
        try
        {
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "serve did not give up on a port in use: " + output);
            p.WaitForExit();
            Assert.True(p.ExitCode == 2, $"exit {p.ExitCode}: {output}");
            Assert.Contains($"error: http.urls: cannot listen on http://127.0.0.1:{port}", output.ToString());
            Assert.DoesNotContain("session a starting", output.ToString());
            Assert.False(Directory.Exists(Path.Combine(folder, "out")), "a session created its output folder before the port was bound");
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            p.Dispose();
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public async Task Serve_creates_missing_output_folders_as_a_fresh_clone_needs()
    {
        var folder = NewFolder();
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var session = SimulatorSession("a", 10, xdf: "out/rec/{id}.xdf");
        session["sinks"] = new JsonObject { ["jsonl"] = "out/a.jsonl" };
        var (p, output) = StartServe(Write(folder, Config(url, null, session)));
        try
        {
            using var http = new HttpClient();
            Assert.True(await Eventually(async () => (await GetJson(http, url + "/status"))["sessions"]![0]!["windows"]!.GetValue<long>() > 2, TimeSpan.FromSeconds(60)), output.ToString());
            Signal(p, "TERM");
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(10)), output.ToString());
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.True(File.Exists(Path.Combine(folder, "out", "rec", "a.xdf")), output.ToString());
            Assert.True(new FileInfo(Path.Combine(folder, "out", "a.jsonl")).Length > 0);
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            p.Dispose();
            Directory.Delete(folder, true);
        }
    }
}
