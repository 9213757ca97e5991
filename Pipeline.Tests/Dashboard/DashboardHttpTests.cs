using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Pipeline.Core.Inference;
using Pipeline.Core.Monitoring;
using Pipeline.Core.Signals;
using Pipeline.Host.Dashboard;
using Pipeline.Host.Service;
using Pipeline.Tests.Infrastructure;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Dashboard;

/// <summary>The dashboard's HTTP surface without a browser: the feed, the key, /status and /metrics, and slow readers.</summary>
public sealed class DashboardHttpTests
{
    private static async Task<(WebApplication App, string Url)> Serve(JsonObject json, string folder)
    {
        var config = Parse(json);
        Assert.Empty(ServiceConfigurationValidator.Validate(config, folder));
        var app = ServiceApplication.Build(config, folder);
        await app.StartAsync();
        return (app, app.Urls.Single().TrimEnd('/'));
    }

    /// <summary>Reads a Server-Sent Events stream for <paramref name="seconds"/>: (event, data) pairs.</summary>
    private static async Task<List<(string Event, JsonNode Data, string Raw)>> ReadFeed(HttpClient http, string url, double seconds)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        return await ReadFeed(http, url, cancel);
    }

    /// <summary>Reads a Server-Sent Events stream until <paramref name="cancel"/> fires: (event, data) pairs.</summary>
    private static async Task<List<(string Event, JsonNode Data, string Raw)>> ReadFeed(HttpClient http, string url, CancellationTokenSource cancel)
    {
        var events = new List<(string, JsonNode, string)>();
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            string? name = null;
            while (await reader.ReadLineAsync(cancel.Token) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add((name!, JsonNode.Parse(line[6..])!, line[6..]));
            }
        }
        catch (OperationCanceledException) { }
        return events;
    }

    [Fact]
    public async Task Feed_and_status_flag_the_flat_and_the_hum_channel_and_carry_no_paths()
    {
        var folder = NewFolder();
        var faulty = FaultyRecording.Write(folder, seconds: 20);
        var session = new JsonObject
        {
            ["id"] = "faulty",
            ["source"] = new JsonObject { ["kind"] = "replay", ["file"] = faulty, ["speed"] = 4, ["loop"] = true },
            ["model"] = new JsonObject { ["path"] = DemoModel },
        };
        var (app, url) = await Serve(Config("http://127.0.0.1:0", null, session), folder);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            Assert.True(await Eventually(async () => (await GetJson(http, url + "/status"))["sessions"]![0]!["quality"] is JsonArray, TimeSpan.FromSeconds(20)), "no quality in /status");
            var quality = (await GetJson(http, url + "/status"))["sessions"]![0]!["quality"]!.AsArray();
            Assert.Equal(22, quality.Count);
            foreach (var q in quality)
            {
                var channel = q!["channel"]!.GetValue<string>();
                var flags = q["flags"]!.AsArray().Select(f => f!.GetValue<string>()).ToArray();
                Assert.Equal(channel switch { FaultyRecording.FlatChannel => ["flat"], FaultyRecording.HumChannel => ["line-noise"], _ => [] }, flags);
            }

            var events = await ReadFeed(http, url + "/api/sessions/faulty/live", 2.5);
            var hello = Assert.Single(events, e => e.Event == "hello").Data;
            Assert.Equal(22, hello["channels"]!.AsArray().Count);
            Assert.Equal(["left", "right"], hello["values"]!.AsArray().Select(v => v!.GetValue<string>()));
            Assert.Equal("dbconformer-demo.onnx", hello["model"]!.GetValue<string>());
            var ticks = events.Where(e => e.Event == "tick").Select(e => e.Data).ToList();
            Assert.InRange(ticks.Count, 10, 40); // ten a second
            // The first tick brings the history the rings hold; later ones only what is new, in order, without overlap.
            var scopes = ticks.Where(t => t["scope"] is not null).Select(t => t["scope"]!).ToList();
            Assert.True(scopes.Count > 5);
            for (var i = 1; i < scopes.Count; i++)
            {
                var previousEnd = scopes[i - 1]["first"]!.GetValue<long>() + scopes[i - 1]["t"]!.AsArray().Count;
                Assert.Equal(previousEnd, scopes[i]["first"]!.GetValue<long>());
            }
            Assert.All(scopes, s => Assert.Equal(22, s["v"]!.AsArray().Count));
            Assert.Contains(ticks, t => t["values"] is not null);
            var status = events.Last(e => e.Event == "status").Data;
            Assert.Equal("flat", status["quality"]!.AsArray().Single(q => q!["channel"]!.GetValue<string>() == "Cz")!["flags"]![0]!.GetValue<string>());
            Assert.True(status["histogram"]!["count"]!.GetValue<long>() > 0);

            // Nothing the page receives names a folder of this machine.
            var list = await http.GetStringAsync(url + "/api/sessions");
            Assert.Contains("faulty.xdf", list);
            foreach (var text in events.Select(e => e.Raw).Append(list))
            {
                Assert.DoesNotContain(folder, text, StringComparison.Ordinal);
                Assert.DoesNotContain(SharedData.RepositoryRoot, text, StringComparison.Ordinal);
                Assert.DoesNotMatch(@"""[^""]*(/tmp/|/home/|/work/|/root/|[A-Za-z]:\\\\)", text);
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public async Task Metrics_latency_histogram_agrees_with_status_and_target_info_names_the_service()
    {
        var folder = NewFolder();
        // A name no other test's service uses: OpenTelemetry exports every meter of this name in the process, and tests run
        // services side by side (one process runs one service in production).
        var session = SimulatorSession("histogram", 20, seed: 3);
        session["source"]!["duration"] = 16;
        var (app, url) = await Serve(Config("http://127.0.0.1:0", null, session), folder);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Assert.True(await Eventually(async () => (await GetJson(http, url + "/status"))["sessions"]![0]!["state"]!.GetValue<string>() == "completed", TimeSpan.FromSeconds(30)), "the session never completed");
            var status = (await GetJson(http, url + "/status"))["sessions"]![0]!;
            var metrics = await http.GetStringAsync(url + "/metrics");

            Assert.Matches(@"(?m)^target_info\{[^}]*service_name=""pipeline""[^}]*\} 1$", metrics);
            Assert.Contains("# TYPE pipeline_session_latency_seconds histogram", metrics);
            var buckets = Regex.Matches(metrics, @"(?m)^pipeline_session_latency_seconds_bucket\{[^}]*session=""histogram"",le=""([^""]+)""\} (\d+)$")
                .Select(m => (Le: m.Groups[1].Value == "+Inf" ? double.PositiveInfinity : double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Count: long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
                .ToList();
            Assert.Equal(LatencyHistogramBounds + 1, buckets.Count);
            var count = long.Parse(Regex.Match(metrics, @"(?m)^pipeline_session_latency_seconds_count\{[^}]*session=""histogram""\} (\d+)$").Groups[1].Value, CultureInfo.InvariantCulture);
            var sum = double.Parse(Regex.Match(metrics, @"(?m)^pipeline_session_latency_seconds_sum\{[^}]*session=""histogram""\} (\S+)$").Groups[1].Value, CultureInfo.InvariantCulture);

            // Every predicted window is in the histogram once: windows less skipped less dropped.
            var predicted = status["windows"]!.GetValue<long>() - status["skipped"]!.GetValue<long>() - status["drops"]!.GetValue<long>();
            Assert.True(predicted is > 40 and < 1024, $"{predicted} windows");
            Assert.Equal(predicted, count);
            Assert.Equal(count, buckets[^1].Count);
            Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.First.Count <= p.Second.Count), "buckets are not cumulative");
            Assert.True(sum > 0);

            // /status's quantiles (of the same windows: fewer than its 1024-window memory) lie where the buckets put them.
            foreach (var (q, name) in new[] { (0.5, "latencyP50Ms"), (0.99, "latencyP99Ms") })
            {
                var seconds = status[name]!.GetValue<double>() / 1000;
                var below = buckets.Where(b => b.Le < seconds).Select(b => b.Count).DefaultIfEmpty(0).Max() / (double)count;
                var atOrAbove = buckets.First(b => b.Le >= seconds).Count / (double)count;
                Assert.True(below <= q + 1.0 / count && atOrAbove >= q - 1.0 / count, $"{name} {seconds} s against buckets {string.Join(", ", buckets)}");
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public async Task Recording_a_window_in_the_prometheus_histogram_allocates_nothing()
    {
        var folder = NewFolder();
        var session = SimulatorSession("a", 1, seed: 3);
        session["enabled"] = false;
        var (app, url) = await Serve(Config("http://127.0.0.1:0", null, session), folder);
        try
        {
            var host = (SessionHost)app.Services.GetService(typeof(SessionHost))!;
            var histogram = host.Sessions[0].LatencyHistogram;
            Assert.NotNull(histogram);
            var counters = new SessionCounters(histogram, "a");
            var p = new Prediction("probabilities", ["left", "right"]);
            var allocated = await Task.Factory.StartNew(() =>
            {
                void Window(int i)
                {
                    p.WindowIndex = i;
                    p.NewestArrivalTicks = System.Diagnostics.Stopwatch.GetTimestamp() - 1000;
                    counters.OnPrediction(p);
                }
                for (var i = 0; i < 500; i++) Window(i);
                var before = GC.GetAllocatedBytesForCurrentThread();
                for (var i = 500; i < 5500; i++) Window(i);
                return GC.GetAllocatedBytesForCurrentThread() - before;
            }, TaskCreationOptions.LongRunning);
            Assert.Equal(0, allocated);
            using var http = new HttpClient();
            Assert.Matches(@"pipeline_session_latency_seconds_count\{[^}]*session=""a""\} 5500", await http.GetStringAsync(url + "/metrics"));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, true);
        }
    }

    private static int LatencyHistogramBounds => Core.Evaluation.LatencyHistogram.DefaultBounds.Count;

    [Fact]
    public async Task The_api_key_guards_the_data_and_the_controls_but_not_the_page_files()
    {
        var folder = NewFolder();
        var (app, url) = await Serve(Config("http://127.0.0.1:0", "s3cret-key-0123456789", SimulatorSession("a", 5, seed: 3)), folder);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var page = await http.GetAsync(url + "/");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Contains("<canvas id=\"scope\"", await page.Content.ReadAsStringAsync());
            foreach (var file in new[] { "dashboard.js", "dashboard.css", "uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE.txt" })
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url + "/dashboard/" + file)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(url + "/dashboard/nested/../../status")).StatusCode);
            foreach (var data in new[] { "/api/sessions", "/api/sessions/a/live", "/status" })
                Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(url + data)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync(url + "/sessions/a/stop", null)).StatusCode);

            http.DefaultRequestHeaders.Add("X-Api-Key", "s3cret-key-0123456789");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url + "/api/sessions")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(url + "/api/sessions/nope/live")).StatusCode);
            var events = await ReadFeed(http, url + "/api/sessions/a/live", 1);
            Assert.Contains(events, e => e.Event == "hello");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, true);
        }
    }

    /// <summary>The dashboard of one session, for the tests that feed a monitor by hand.</summary>
    private sealed class OneSession(SessionMonitor monitor) : IDashboardSessions
    {
        public string Title => "test";
        public bool Controllable => false;
        public bool Exists(string id) => id == monitor.Session;
        public LiveSession? Live(string id) => Exists(id) ? new LiveSession(monitor, "eeg", null, "") : null;
        public IReadOnlyList<DashboardSessionSummary> List() => [new DashboardSessionSummary { Id = monitor.Session, State = "running" }];
    }

    [Fact]
    public async Task Browsers_that_stop_reading_lose_frames_but_never_hold_up_the_session_or_the_other_browsers()
    {
        var eeg = new StreamDescription("eeg", "EEG", [.. Enumerable.Range(0, 22).Select(i => $"E{i}")], 250);
        var monitor = new SessionMonitor("s", new SessionMonitorLayout { Scope = eeg, Quality = eeg, Values = ["left", "right"] });
        using var server = DashboardServer.Start(DashboardAddress.Parse("127.0.0.1:0"), new OneSession(monitor), null);
        var feed = new Uri(server.Url, "api/sessions/s/live");

        // Four browsers that ask for the feed and then never read a byte (tiny receive windows).
        var stalled = new List<Socket>();
        for (var i = 0; i < 4; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
            await socket.ConnectAsync(IPAddress.Loopback, feed.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {feed.PathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            stalled.Add(socket);
        }
        try
        {
            using var http = new HttpClient();
            // Reads until a while after the session's last frame (however long a loaded machine takes to write them).
            using var stopReading = new CancellationTokenSource();
            var reading = ReadFeed(http, feed.ToString(), stopReading);

            // The session pushes 60 s of signal and predictions as fast as it can, on its own thread: it must never wait,
            // and it allocates nothing while the browsers are served.
            var allocated = await Task.Factory.StartNew(() =>
            {
                var chunk = new SignalChunk(eeg, 25);
                chunk.Reset(eeg, 25);
                var p = new Prediction("probabilities", ["left", "right"]);
                var rnd = new Random(3);
                for (var i = 0; i < chunk.Samples.Length; i++) chunk.Samples[i] = (float)(rnd.NextDouble() * 30);
                long frame = 0, before = 0;
                for (var k = 0; k < 600; k++)
                {
                    if (k == 100) before = GC.GetAllocatedBytesForCurrentThread();
                    var ts = chunk.TimestampSpan;
                    for (var f = 0; f < ts.Length; f++) ts[f] = frame++ / 250.0;
                    monitor.OnRawChunk(chunk);
                    monitor.OnFilteredChunk(chunk);
                    p.Values[0] = k % 2;
                    p.Values[1] = 1 - k % 2;
                    p.EndTime = ts[^1];
                    monitor.OnPrediction(p);
                    if (k % 60 == 0) Thread.Sleep(250); // let the feeds tick while the session runs
                }
                return GC.GetAllocatedBytesForCurrentThread() - before;
            }, TaskCreationOptions.LongRunning);
            Assert.Equal(0, allocated);
            stopReading.CancelAfter(TimeSpan.FromSeconds(2));

            // A browser that does read still gets the newest frames, and is told how many it skipped.
            var events = await reading;
            var scopes = events.Where(e => e.Event == "tick" && e.Data["scope"] is not null).Select(e => e.Data).ToList();
            Assert.NotEmpty(scopes);
            var last = scopes[^1]["scope"]!;
            Assert.Equal(monitor.ScopeRing!.Written, last["first"]!.GetValue<long>() + last["t"]!.AsArray().Count);
        }
        finally
        {
            foreach (var s in stalled) s.Dispose();
        }
    }

    [Fact]
    public void A_dashboard_beyond_loopback_without_a_key_or_at_a_bad_address_is_refused_with_one_sentence()
    {
        var open = PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--fast", "--window", "2", "--dashboard", "0.0.0.0:0");
        Assert.Equal(2, open.ExitCode);
        Assert.Contains("needs an API key: set PIPELINE_API_KEY", open.All);
        var bad = PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--fast", "--dashboard", "here:there");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--dashboard 'here:there' is not an address", bad.All);
    }

    [Theory]
    [InlineData(null, "127.0.0.1", 8741, false)]
    [InlineData("9000", "127.0.0.1", 9000, true)]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0, true)]
    [InlineData("http://localhost:9001/", "127.0.0.1", 9001, true)]
    [InlineData("[::1]:9002", "::1", 9002, true)]
    [InlineData("0.0.0.0", "0.0.0.0", 8741, false)]
    public void Dashboard_addresses_parse(string? text, string host, int port, bool given)
    {
        var a = DashboardAddress.Parse(text);
        Assert.Equal(IPAddress.Parse(host), a.Host);
        Assert.Equal(port, a.Port);
        Assert.Equal(given, a.PortGiven);
        Assert.Equal(host != "0.0.0.0", a.IsLoopback);
    }

    [Theory]
    [InlineData("replay /home/ana/study/p01.xdf ('EEG')", "replay p01.xdf ('EEG')")]
    [InlineData(@"The file 'C:\Users\ana\s.xdf' is damaged", "The file 's.xdf' is damaged")]
    [InlineData("replay recordings/demo-mi.xdf, 2x", "replay demo-mi.xdf, 2x")]
    [InlineData("simulator seed 3, 22 channels at 250 Hz", "simulator seed 3, 22 channels at 250 Hz")]
    public void Paths_in_texts_shrink_to_file_names(string text, string expected) => Assert.Equal(expected, PathRedaction.FileNamesOnly(text));
}
