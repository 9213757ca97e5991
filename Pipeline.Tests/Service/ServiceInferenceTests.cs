using System.Text.Json.Nodes;
using Pipeline.Host.Service;
using Pipeline.Tests.Infrastructure;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Service;

/// <summary>
/// The service's <c>inference</c> section (issue 15, item 2): several inference threads per shared runner, set in the
/// configuration, validated in one sentence per bad value, and shown per model in <c>/status</c>.
/// </summary>
public sealed class ServiceInferenceTests
{
    private static JsonObject WithInference(JsonObject config, JsonNode? inference)
    {
        config["inference"] = inference;
        return config;
    }

    private static IReadOnlyList<string> Errors(string json)
    {
        var (config, error) = ServiceConfigurationLoader.Parse(json);
        if (error is not null) return [error.ToString()];
        return ServiceConfigurationValidator.Validate(config!, SharedData.RepositoryRoot).Select(e => e.ToString()).ToList();
    }

    private static IReadOnlyList<string> Errors(JsonObject json) => Errors(json.ToJsonString());

    /// <summary>
    /// Two sessions of one model share one runner with the configured number of inference threads; both decode. 1 and
    /// 2 threads: on any machine with more than one core at least one of them differs from the default (one per core).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_configured_workers_run_the_shared_runner_and_status_shows_them_per_model(int workers)
    {
        var folder = NewFolder();
        var json = WithInference(Config("http://127.0.0.1:0", null, SimulatorSession("a", 25, seed: 3), SimulatorSession("b", 25, seed: 4)),
            new JsonObject { ["workers"] = workers, ["maxBatch"] = 2, ["queueCapacity"] = 16 });
        var config = Parse(json);
        Assert.Empty(ServiceConfigurationValidator.Validate(config, folder));
        var app = ServiceApplication.Build(config, folder);
        await app.StartAsync();
        try
        {
            var url = app.Urls.Single().TrimEnd('/');
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            JsonNode status = new JsonObject();
            Assert.True(await Eventually(async () =>
            {
                status = await GetJson(http, url + "/status");
                return status["sessions"]!.AsArray().All(s => s!["windows"]!.GetValue<long>() > 3);
            }, TimeSpan.FromSeconds(60)), "the sessions did not decode: " + status.ToJsonString());

            var inference = status["inference"]!;
            Assert.Equal(workers, inference["workers"]!.GetValue<int>());
            Assert.Equal("configuration", inference["workersFrom"]!.GetValue<string>());
            Assert.Equal(16, inference["queueCapacity"]!.GetValue<int>());
            var model = Assert.Single(inference["models"]!.AsArray())!;
            Assert.Equal(DemoModel, model["model"]!.GetValue<string>());
            Assert.Equal("cpu", model["device"]!.GetValue<string>());
            Assert.Equal(workers, model["workers"]!.GetValue<int>());
            Assert.Equal(2, model["maxBatch"]!.GetValue<int>());
            Assert.Equal(["a", "b"], model["sessions"]!.AsArray().Select(s => s!.GetValue<string>()));
            Assert.True(model["windows"]!.GetValue<long>() > 0 && model["batches"]!.GetValue<long>() > 0, model.ToJsonString());
            foreach (var s in status["sessions"]!.AsArray()) Assert.Equal(0, s!["drops"]!.GetValue<long>());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Left_out_the_workers_are_one_per_core_and_the_runner_gets_exactly_that()
    {
        var config = Parse(Config("http://127.0.0.1:8740", null, SimulatorSession("a", 10)));
        Assert.Null(config.Inference.Workers);
        Assert.Equal(Environment.ProcessorCount, config.Inference.EffectiveWorkers);
        var batching = config.Inference.ToBatching();
        Assert.Equal((Environment.ProcessorCount, 0, TimeSpan.Zero, 8), (batching.Workers, batching.MaxBatch, batching.MaxDelay, batching.QueueCapacity));
        var set = Parse(WithInference(Config("http://127.0.0.1:8740", null, SimulatorSession("a", 10)),
            new JsonObject { ["workers"] = 3, ["maxBatch"] = 4, ["maxDelayMs"] = 2.5, ["queueCapacity"] = 2 })).Inference.ToBatching();
        Assert.Equal((3, 4, TimeSpan.FromMilliseconds(2.5), 2), (set.Workers, set.MaxBatch, set.MaxDelay, set.QueueCapacity));
    }

    [Theory]
    [InlineData("0", "inference.workers: 0 is not a number of inference threads; give 1 to 64, or leave it out for one per core")]
    [InlineData("-2", "inference.workers: -2 is not a number of inference threads; give 1 to 64")]
    [InlineData("65", "inference.workers: 65 is not a number of inference threads; give 1 to 64")]
    [InlineData("100000", "inference.workers: 100000 is not a number of inference threads")]
    [InlineData("\"two\"", "inference.workers: wrong type of value (line 1): give a whole number (at most 2147483647); see pipeline.schema.json")]
    [InlineData("2.5", "inference.workers: wrong type of value (line 1): give a whole number (at most 2147483647); see pipeline.schema.json")]
    [InlineData("99999999999", "inference.workers: wrong type of value (line 1): give a whole number (at most 2147483647)")]
    [InlineData("[2]", "inference.workers: wrong type of value (line 1): give a whole number")]
    [InlineData("null", "")]
    public void A_bad_worker_count_is_one_sentence_naming_the_setting(string value, string expected)
    {
        var json = Config("http://127.0.0.1:8740", null, SimulatorSession("a", 10)).ToJsonString().Replace("\"http\":", $"\"inference\":{{\"workers\":{value}}},\"http\":", StringComparison.Ordinal);
        var errors = Errors(json);
        if (expected.Length == 0) { Assert.Empty(errors); return; } // null: left out, one per core
        var error = Assert.Single(errors);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_other_runner_settings_are_checked_too()
    {
        var session = SimulatorSession("a", 10);
        Assert.Equal(["inference: null; write an object such as { \"workers\": 2 } or leave it out (one inference thread per core)"],
            Errors(WithInference(Config("http://127.0.0.1:8740", null, session.DeepClone().AsObject()), null)));
        var errors = Errors(WithInference(Config("http://127.0.0.1:8740", null, session), new JsonObject { ["maxBatch"] = 65, ["maxDelayMs"] = -1, ["queueCapacity"] = 0 }));
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("inference.maxBatch: 65 is not a batch limit; give 1 to 64", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("inference.maxDelayMs: -1 ms is not a batch delay", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("inference.queueCapacity: 0 is not a queue length", StringComparison.Ordinal));
        Assert.Equal(["inference.turbo: unknown setting 'turbo' (line 1); see pipeline.schema.json for the settings"],
            Errors(WithInference(Config("http://127.0.0.1:8740", null, SimulatorSession("a", 10)), new JsonObject { ["turbo"] = true })));
    }

    [Fact]
    public void Serve_with_a_bad_worker_count_exits_2_with_the_sentence_and_starts_nothing()
    {
        var folder = NewFolder();
        var json = WithInference(Config($"http://127.0.0.1:{FreePort()}", null, SimulatorSession("a", 10, xdf: "out/{id}.xdf")), new JsonObject { ["workers"] = 0 });
        var (p, output) = StartServe(Write(folder, json));
        try
        {
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), output.ToString());
            p.WaitForExit();
            Assert.True(p.ExitCode == 2, $"exit {p.ExitCode}: {output}");
            Assert.Contains("inference.workers: 0 is not a number of inference threads; give 1 to 64, or leave it out for one per core", output.ToString());
            Assert.DoesNotContain("session a starting", output.ToString());
            Assert.False(Directory.Exists(Path.Combine(folder, "out")));
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            p.Dispose();
            Directory.Delete(folder, true);
        }
    }
}
