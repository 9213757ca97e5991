using System.Net;
using System.Text.Json.Nodes;
using OpenQA.Selenium;
using Pipeline.Tests.Infrastructure;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Dashboard;

/// <summary>The dashboard in a real browser (headless Chromium through chromedriver), against the real program.</summary>
public sealed class DashboardBrowserTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    /// <summary>Pixels of the scope canvas that are not the white background (so: traces, labels, grid).</summary>
    private static long InkedPixels(Chromium browser) => Convert.ToInt64(browser.Js("""
        const c = document.getElementById('scope'); if (!c.width) return 0;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
        return n;
        """), System.Globalization.CultureInfo.InvariantCulture);

    [ChromiumFact]
    public void Replay_page_draws_the_scope_moves_the_probabilities_and_shows_commands()
    {
        using var pipeline = PipelineProcess.Start("replay", "recordings/demo-mi.xdf", "--model", "models/dbconformer-demo.onnx", "--speed", "4", "--dashboard", "127.0.0.1:0", "-q");
        var url = pipeline.WaitFor(@"^dashboard (http://\S+)", TimeSpan.FromSeconds(60));
        using var browser = new Chromium();
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(url);

        // The one session of a CLI verb opens directly in its live view.
        Assert.True(Chromium.Eventually(() => driver.FindElement(By.Id("live-view")).Displayed, Soon), "the live view never opened:\n" + pipeline.Output);
        Assert.Equal("replay", driver.FindElement(By.Id("live-title")).Text);

        // The scope draws: frames arrived, traces were stroked, and the canvas holds ink.
        Assert.True(Chromium.Eventually(() => long.Parse(driver.FindElement(By.Id("scope")).GetDomAttribute("data-points") ?? "0") > 1000, Soon), "the scope never drew");
        Assert.True(InkedPixels(browser) > 5000);

        // The probabilities move: points keep arriving and the newest values change.
        var probabilities = driver.FindElement(By.Id("probabilities"));
        Assert.True(Chromium.Eventually(() => int.Parse(probabilities.GetDomAttribute("data-points") ?? "0") > 4, Soon), "no probabilities arrived");
        var points = int.Parse(probabilities.GetDomAttribute("data-points")!);
        var last = probabilities.GetDomAttribute("data-last");
        Assert.True(Chromium.Eventually(() => int.Parse(probabilities.GetDomAttribute("data-points")!) > points + 4 && probabilities.GetDomAttribute("data-last") != last, Soon), "the probabilities stood still");
        Assert.NotEmpty(driver.FindElements(By.CssSelector("#probabilities canvas")));

        // At least one command, with its latency.
        Assert.True(Chromium.Eventually(() => driver.FindElements(By.CssSelector("#commands li")).Count > 0, Soon), "no command appeared:\n" + pipeline.Output);
        var command = driver.FindElements(By.CssSelector("#commands li"))[0];
        Assert.Contains(command.GetDomAttribute("data-name"), new[] { "left", "right" });
        Assert.Matches(@"latency \d+(\.\d)? ms", command.Text);

        // The latency histogram counts windows; the demo's channels are all good.
        Assert.True(Chromium.Eventually(() => long.Parse(driver.FindElement(By.Id("histogram")).GetDomAttribute("data-count") ?? "0") > 0, Soon));
        Assert.True(Chromium.Eventually(() => driver.FindElements(By.CssSelector("#quality tbody tr[data-quality='good']")).Count == 22, Soon), "the demo's channels were not all judged good");
        browser.ScreenshotIfAsked("dashboard-replay", settle: 4);

        // The session list shows the session with its counters.
        driver.FindElement(By.Id("back")).Click();
        Assert.True(Chromium.Eventually(() => driver.FindElement(By.Id("sessions-view")).Displayed, Soon));
        var row = driver.FindElement(By.CssSelector("#sessions tbody tr[data-id='replay']"));
        Assert.Equal("running", row.GetDomAttribute("data-state"));
        Assert.Contains("demo-mi.xdf", row.Text);
        Assert.Contains("dbconformer-demo.onnx", row.Text);
        Assert.Empty(driver.FindElements(By.CssSelector("#sessions button.action-start"))); // a CLI session cannot be started from the page

        // The dashboard's web host leaves SIGTERM to the verb: the replay still ends on it.
        Signal(pipeline.Process, "TERM");
        Assert.True(pipeline.Process.WaitForExit(TimeSpan.FromSeconds(5)), "the replay ignored SIGTERM:\n" + pipeline.Output);
    }

    [ChromiumFact]
    public async Task Serve_page_lists_sessions_flags_bad_channels_and_starts_and_stops_them_with_the_key()
    {
        const string key = "dashboard-test-key-7f3a";
        var folder = NewFolder();
        var faulty = FaultyRecording.Write(folder);
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var config = Config(url, key,
            new JsonObject
            {
                ["id"] = "faulty",
                ["source"] = new JsonObject { ["kind"] = "replay", ["file"] = faulty, ["speed"] = 3, ["loop"] = true },
                ["model"] = new JsonObject { ["path"] = DemoModel },
            },
            new JsonObject
            {
                ["id"] = "idle",
                ["enabled"] = false,
                ["source"] = new JsonObject { ["kind"] = "simulator", ["seed"] = 9, ["speed"] = 1 },
                ["model"] = new JsonObject { ["path"] = DemoModel },
            });
        var (serve, output) = StartServe(Write(folder, config));
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
            Assert.True(await Eventually(async () => (await http.GetAsync(url + "/health")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(40)), "serve never became ready: " + output);

            using var browser = new Chromium();
            var driver = browser.Driver;
            // Without the key the page asks for it and shows no data.
            driver.Navigate().GoToUrl(url + "/");
            Assert.True(Chromium.Eventually(() => driver.FindElement(By.Id("login")).Displayed, Soon), "no login prompt");
            Assert.Empty(driver.FindElements(By.CssSelector("#sessions tbody tr")));
            browser.ScreenshotIfAsked("dashboard-login");
            driver.FindElement(By.Id("key-input")).SendKeys("wrong-key");
            driver.FindElement(By.CssSelector("#login-form button")).Click();
            Assert.True(Chromium.Eventually(() => driver.FindElement(By.Id("login-error")).Text.Contains("refused", StringComparison.Ordinal), Soon));

            // The key in the fragment opens the list; it leaves the address bar at once.
            driver.Navigate().GoToUrl(url + "/#key=" + key);
            driver.Navigate().Refresh();
            Assert.True(Chromium.Eventually(() => driver.FindElements(By.CssSelector("#sessions tbody tr")).Count == 2, Soon), "the session list never showed the two sessions");
            Assert.DoesNotContain(key, driver.Url, StringComparison.Ordinal);
            Assert.True(Chromium.Eventually(() => Row(driver, "faulty").GetDomAttribute("data-state") == "running", Soon));
            Assert.Equal("stopped", Row(driver, "idle").GetDomAttribute("data-state"));
            Assert.Contains("faulty.xdf", Row(driver, "faulty").Text);
            Assert.DoesNotContain(folder, driver.PageSource, StringComparison.Ordinal);

            // Start and stop from the page, through the API and its key.
            Row(driver, "idle").FindElement(By.CssSelector("button.action-start")).Click();
            Assert.True(await Eventually(async () => State(await GetJson(http, url + "/status"), "idle") == "running", Soon), "the start button did not start the session");
            Assert.True(Chromium.Eventually(() => Row(driver, "idle").GetDomAttribute("data-state") == "running", Soon));
            // The faulty session's row names its bad channels once a second of signal was measured.
            Assert.True(Chromium.Eventually(() => Row(driver, "faulty").Text.Contains("Cz flat", StringComparison.Ordinal) && Row(driver, "faulty").Text.Contains("C3 line-noise", StringComparison.Ordinal), Soon),
                "the list never named the bad channels: " + Row(driver, "faulty").Text);
            browser.ScreenshotIfAsked("dashboard-sessions");
            Row(driver, "idle").FindElement(By.CssSelector("button.action-stop")).Click();
            Assert.True(await Eventually(async () => State(await GetJson(http, url + "/status"), "idle") == "stopped", Soon), "the stop button did not stop the session");

            // One click into the faulty session's live view: the flat and the hum channel are flagged, the rest good.
            Row(driver, "faulty").Click();
            Assert.True(Chromium.Eventually(() => driver.FindElement(By.Id("live-view")).Displayed, Soon));
            Assert.True(Chromium.Eventually(() => QualityOf(driver, FaultyRecording.FlatChannel) == "flat" && QualityOf(driver, FaultyRecording.HumChannel) == "line-noise", Soon),
                "the page did not flag Cz (flat) and C3 (line noise)");
            Assert.Equal(20, driver.FindElements(By.CssSelector("#quality tbody tr[data-quality='good']")).Count);
            Assert.True(Chromium.Eventually(() => long.Parse(driver.FindElement(By.Id("scope")).GetDomAttribute("data-points") ?? "0") > 1000, Soon));
            browser.ScreenshotIfAsked("dashboard-quality", settle: 3);

            // /status says the same.
            var status = await GetJson(http, url + "/status");
            var quality = status["sessions"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == "faulty")!["quality"]!.AsArray();
            Assert.Equal(["flat"], Flags(quality, FaultyRecording.FlatChannel));
            Assert.Equal(["line-noise"], Flags(quality, FaultyRecording.HumChannel));
            Assert.Equal(20, quality.Count(q => q!["flags"]!.AsArray().Count == 0));

            // The key never reached the service's log.
            Assert.DoesNotContain(key, output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (!serve.HasExited) serve.Kill(true);
            serve.Dispose();
            Directory.Delete(folder, true);
        }
    }

    [ChromiumFact(Speech = true)]
    public void Listen_page_shows_voice_activity_segments_and_their_labels()
    {
        var folder = NewFolder();
        try
        {
            var wav = Path.Combine(folder, "words.wav");
            var (words, _) = Pipeline.Tests.Audio.SpokenWords.Write(wav, count: 14, seed: 4, gapSeconds: 0.9);
            using var pipeline = PipelineProcess.Start("listen", "--model", "models/ssl/kws-hconv.onnx", "--file", wav, "--paced", "--dashboard", "127.0.0.1:0");
            var url = pipeline.WaitFor(@"^dashboard (http://\S+)", TimeSpan.FromSeconds(60));
            using var browser = new Chromium(1400, 1300);
            var driver = browser.Driver;
            driver.Navigate().GoToUrl(url);
            Assert.True(Chromium.Eventually(() => driver.FindElement(By.Id("speech-panel")).Displayed, Soon), "the speech view never opened:\n" + pipeline.Output);
            Assert.False(driver.FindElement(By.Id("scope-panel")).Displayed); // audio has no EEG scope
            Assert.True(Chromium.Eventually(() => int.Parse(driver.FindElement(By.Id("vad")).GetDomAttribute("data-points") ?? "0") > 50, Soon), "no voice activity arrived");
            Assert.True(Chromium.Eventually(() => driver.FindElements(By.CssSelector("#segments li")).Count >= 3, Soon), "no speech segments appeared:\n" + pipeline.Output);
            var labels = driver.FindElements(By.CssSelector("#segments li")).Select(li => li.GetDomAttribute("data-label")).ToList();
            Assert.All(labels, l => Assert.False(string.IsNullOrEmpty(l)));
            Assert.Contains(labels, l => words.Contains(l!)); // the model hears at least one of the spoken words
            // The VAD trace reaches speech (near 1) and silence (near 0).
            var vad = (System.Collections.ObjectModel.ReadOnlyCollection<object>)browser.Js("return window.pipelineDashboard.vad.v[0].map(Number);")!;
            Assert.Contains(vad, v => Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) > 0.8);
            Assert.Contains(vad, v => Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) < 0.2);
            // The audio's input rate is counted (paced 16 kHz audio: thousands of frames a second, not 0).
            Assert.True(Chromium.Eventually(() => double.TryParse(driver.FindElement(By.Id("c-rate")).Text, System.Globalization.CultureInfo.InvariantCulture, out var hz) && hz > 8000, Soon),
                "the speech view's input rate stayed at " + driver.FindElement(By.Id("c-rate")).Text);
            browser.ScreenshotIfAsked("dashboard-speech", settle: 2);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    private static IWebElement Row(IWebDriver driver, string id) => driver.FindElement(By.CssSelector($"#sessions tbody tr[data-id='{id}']"));

    private static string? QualityOf(IWebDriver driver, string channel) =>
        driver.FindElement(By.CssSelector($"#quality tbody tr[data-channel='{channel}']")).GetDomAttribute("data-quality");

    private static string State(JsonNode status, string id) =>
        status["sessions"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == id)!["state"]!.GetValue<string>();

    private static string[] Flags(JsonArray quality, string channel) =>
        [.. quality.Single(q => q!["channel"]!.GetValue<string>() == channel)!["flags"]!.AsArray().Select(f => f!.GetValue<string>())];
}
