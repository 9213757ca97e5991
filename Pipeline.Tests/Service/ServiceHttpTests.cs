using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Pipeline.Host.Service;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Service;

public sealed class ServiceHttpTests
{
    private static async Task<(WebApplication App, string BaseUrl)> Start(JsonObject json, string folder)
    {
        var config = Parse(json);
        Assert.Empty(ServiceConfigurationValidator.Validate(config, folder));
        var app = ServiceApplication.Build(config, folder);
        await app.StartAsync();
        return (app, app.Urls.Single().TrimEnd('/'));
    }

    [Fact]
    public async Task Health_status_metrics_and_start_stop_on_a_real_kestrel()
    {
        var folder = NewFolder();
        var (app, url) = await Start(Config("http://127.0.0.1:0", null, SimulatorSession("a", 25, seed: 3), SimulatorSession("b", 25, seed: 4)), folder);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Assert.True(await Eventually(async () => (await http.GetAsync(url + "/health")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(15)), "never ready");
            var health = await GetJson(http, url + "/health");
            Assert.True(health["ready"]!.GetValue<bool>());
            Assert.Equal("running", health["sessions"]!["a"]!.GetValue<string>());

            // Counts rise while the sessions run (simulator at 25x: a 4 s window fills in 160 ms).
            Assert.True(await Eventually(async () => (await GetJson(http, url + "/status"))["sessions"]![0]!["windows"]!.GetValue<long>() > 5, TimeSpan.FromSeconds(15)));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var first = (await GetJson(http, url + "/status"))["sessions"]!.AsArray();
            await Task.Delay(2500);
            var second = (await GetJson(http, url + "/status"))["sessions"]!.AsArray();
            var elapsed = sw.Elapsed.TotalSeconds;
            for (var i = 0; i < 2; i++)
            {
                Assert.True(second[i]!["windows"]!.GetValue<long>() > first[i]!["windows"]!.GetValue<long>());
                Assert.True(second[i]!["frames"]!.GetValue<long>() > first[i]!["frames"]!.GetValue<long>());
                // The reported rate is measured over the last second: positive and never above the pace
                // (loosely: on a shared machine the simulator at 25x catches up in bursts and may not reach its 6250 frames/s).
                var measured = (second[i]!["frames"]!.GetValue<long>() - first[i]!["frames"]!.GetValue<long>()) / elapsed;
                Assert.True(measured > 0);
                Assert.InRange(second[i]!["inputRateHz"]!.GetValue<double>(), 1, 6250 * 1.5);
                Assert.Equal(0, second[i]!["drops"]!.GetValue<long>());
                Assert.NotNull(second[i]!["latencyP99Ms"]);
                Assert.Equal("running", second[i]!["state"]!.GetValue<string>());
            }

            var metrics = await http.GetStringAsync(url + "/metrics");
            foreach (var name in new[] { "pipeline_session_windows_total", "pipeline_session_commands_total", "pipeline_session_drops_total", "pipeline_session_gaps_total" })
            {
                Assert.Contains($"{name}{{otel_scope_name=\"Pipeline.Service\",session=\"a\"}}", metrics);
                Assert.Contains($"{name}{{otel_scope_name=\"Pipeline.Service\",session=\"b\"}}", metrics);
            }
            Assert.Contains("pipeline_session_latency_p99_milliseconds{", metrics);

            // Stop and start one session.
            var stop = await http.PostAsync(url + "/sessions/a/stop", null);
            Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
            Assert.Equal("stopped", JsonNode.Parse(await stop.Content.ReadAsStringAsync())!["state"]!.GetValue<string>());
            var stoppedWindows = (await GetJson(http, url + "/status"))["sessions"]![0]!["windows"]!.GetValue<long>();
            await Task.Delay(500);
            Assert.Equal(stoppedWindows, (await GetJson(http, url + "/status"))["sessions"]![0]!["windows"]!.GetValue<long>());
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(url + "/sessions/a/start", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsync(url + "/sessions/a/start", null)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync(url + "/sessions/zz/start", null)).StatusCode);
            Assert.True(await Eventually(async () => (await http.GetAsync(url + "/health")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(15)));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public async Task Readiness_is_503_while_a_wanted_session_has_failed_and_says_why_without_paths()
    {
        var folder = NewFolder();
        // A replay whose file disappears between validation and start: the session fails at start.
        var file = Path.Combine(folder, "gone.xdf");
        File.Copy(DemoRecording, file);
        var session = SimulatorSession("r", 10);
        session["source"] = new JsonObject { ["kind"] = "replay", ["file"] = "gone.xdf", ["speed"] = 10 };
        var config = Parse(Config("http://127.0.0.1:0", null, session));
        Assert.Empty(ServiceConfigurationValidator.Validate(config, folder));
        File.Delete(file);
        var app = ServiceApplication.Build(config, folder);
        await app.StartAsync();
        try
        {
            var url = app.Urls.Single().TrimEnd('/');
            using var http = new HttpClient();
            Assert.True(await Eventually(async () => (await GetJson(http, url + "/status"))["sessions"]![0]!["state"]!.GetValue<string>() == "failed", TimeSpan.FromSeconds(10)));
            var health = await http.GetAsync(url + "/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            var status = await http.GetStringAsync(url + "/status");
            Assert.DoesNotContain(folder, status);
            Assert.DoesNotContain("   at ", status);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public async Task With_a_key_configured_every_request_needs_it()
    {
        var folder = NewFolder();
        const string key = "s3cret-key-0123456789";
        var (app, url) = await Start(Config("http://127.0.0.1:0", key, SimulatorSession("a", 10)), folder);
        try
        {
            using var http = new HttpClient();
            foreach (var path in new[] { "/health", "/status", "/metrics", "/health/live" })
            {
                var none = await http.GetAsync(url + path);
                Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
                var body = await none.Content.ReadAsStringAsync();
                Assert.DoesNotContain("/", body.Replace("X-Api-Key or Authorization: Bearer", "", StringComparison.Ordinal));
                Assert.DoesNotContain("\"sessions\"", body);
            }
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync(url + "/sessions/a/stop", null)).StatusCode);
            Assert.Equal("running", (await Send(http, url + "/status", "X-Api-Key", key)) is { } s && s.Contains("\"id\":\"a\"") ? "running" : "no");
            Assert.Equal(HttpStatusCode.Unauthorized, await Status(http, url + "/status", "X-Api-Key", key[..^1]));
            Assert.Equal(HttpStatusCode.Unauthorized, await Status(http, url + "/status", "X-Api-Key", key + "x"));
            Assert.Equal(HttpStatusCode.Unauthorized, await Status(http, url + "/status", "Authorization", "Basic " + key));
            Assert.Equal(HttpStatusCode.OK, await Status(http, url + "/status", "Authorization", "Bearer " + key));
            Assert.Equal(HttpStatusCode.OK, await Status(http, url + "/metrics", "X-Api-Key", key));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, true);
        }
    }

    private static async Task<HttpStatusCode> Status(HttpClient http, string url, string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<string?> Send(HttpClient http, string url, string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await http.SendAsync(request);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
    }

    [Fact]
    public void Key_check_accepts_only_the_exact_key()
    {
        var check = new ApiKeyCheck("0123456789abcdef");
        Assert.True(check.Matches("0123456789abcdef"));
        Assert.False(check.Matches("0123456789abcdeF"));
        Assert.False(check.Matches("0123456789abcde"));
        Assert.False(check.Matches("0123456789abcdef0"));
        Assert.False(check.Matches(""));
        Assert.False(check.Matches(null));
        Assert.Equal("k", ApiKeyCheck.Presented("k", "Bearer other"));
        Assert.Equal("tok", ApiKeyCheck.Presented(null, "Bearer tok"));
        Assert.Null(ApiKeyCheck.Presented(null, "Basic tok"));
        Assert.Null(ApiKeyCheck.Presented("", null));
    }

    [Fact]
    public void Key_check_compares_in_constant_time()
    {
        // The comparison must go through FixedTimeEquals over fixed-length digests, never string equality.
        var source = File.ReadAllText(Path.Combine(Pipeline.Tests.Infrastructure.SharedData.RepositoryRoot, "Pipeline.Host", "Service", "ApiKeyCheck.cs"));
        Assert.Contains("CryptographicOperations.FixedTimeEquals", source);
        Assert.DoesNotContain("string.Equals", source);
        Assert.DoesNotContain("SequenceEqual", source);
    }
}
