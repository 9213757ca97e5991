using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Pipeline.Tests.Dashboard;

/// <summary>
/// Debian's headless Chromium driven through Debian's chromedriver by Selenium: both paths are given explicitly, so
/// Selenium Manager never runs and nothing is downloaded. Each browser gets a fresh profile folder, deleted after.
/// </summary>
internal sealed class Chromium : IDisposable
{
    public const string BrowserPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    /// <summary>True when both the browser and its driver are installed.</summary>
    public static bool Present => File.Exists(BrowserPath) && File.Exists(DriverPath);

    /// <summary>True in CI, where a missing browser is a failure rather than a skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public const string MissingReason = "needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver; apt-get install chromium chromium-driver), which this machine lacks";

    private readonly string _profile;

    public Chromium(int width = 1400, int height = 1700)
    {
        if (!Present) throw new InvalidOperationException(MissingReason);
        _profile = Path.Combine(Path.GetTempPath(), "pipeline-chromium-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_profile);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            $"--user-data-dir={_profile}", $"--window-size={width},{height}");
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public ChromeDriver Driver { get; }

    /// <summary>Runs a script in the page and returns its result.</summary>
    public object? Js(string script, params object[] args) => ((IJavaScriptExecutor)Driver).ExecuteScript(script, args);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes (then the last result is false).</summary>
    public static bool Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            try
            {
                if (condition()) return true;
            }
            catch (WebDriverException) { }
            catch (InvalidOperationException) { }
            Thread.Sleep(150);
        }
        return false;
    }

    /// <summary>The folder named by <c>PIPELINE_SCREENSHOTS</c> (the README's pictures are made so), or null.</summary>
    public static string? ScreenshotFolder => Environment.GetEnvironmentVariable("PIPELINE_SCREENSHOTS") is { Length: > 0 } f ? f : null;

    /// <summary>Saves a screenshot of the page when <see cref="ScreenshotFolder"/> is set, after <paramref name="settle"/> more seconds of data.</summary>
    public void ScreenshotIfAsked(string name, double settle = 0)
    {
        if (ScreenshotFolder is not { } folder) return;
        Thread.Sleep(TimeSpan.FromSeconds(settle));
        ((IJavaScriptExecutor)Driver).ExecuteScript("window.scrollTo(0, 0)");
        Directory.CreateDirectory(folder);
        Driver.GetScreenshot().SaveAsFile(Path.Combine(folder, name + ".png"));
    }

    public void Dispose()
    {
        try { Driver.Quit(); } catch (WebDriverException) { }
        Driver.Dispose();
        try { Directory.Delete(_profile, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
