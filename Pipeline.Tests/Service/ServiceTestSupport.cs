using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Host.Service;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Service;

/// <summary>Configurations, folders and processes for the service tests.</summary>
internal static class ServiceTestSupport
{
    public static string DemoModel => Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx");
    public static string DemoRecording => Path.Combine(SharedData.RepositoryRoot, "recordings", "demo-mi.xdf");

    public static string NewFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-service-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>A simulator session with the demo model at <paramref name="speed"/>.</summary>
    public static JsonObject SimulatorSession(string id, double speed, int seed = 3, string? xdf = null)
    {
        var s = new JsonObject
        {
            ["id"] = id,
            ["source"] = new JsonObject { ["kind"] = "simulator", ["seed"] = seed, ["speed"] = speed },
            ["model"] = new JsonObject { ["path"] = DemoModel },
            ["decisions"] = new JsonObject { ["threshold"] = 0.55, ["refractory"] = 0.5 },
        };
        if (xdf is not null) s["recording"] = new JsonObject { ["xdf"] = xdf };
        return s;
    }

    public static JsonObject Config(string url, string? apiKey, params JsonObject[] sessions)
    {
        var http = new JsonObject { ["urls"] = new JsonArray(url) };
        if (apiKey is not null) http["apiKey"] = apiKey;
        return new JsonObject { ["http"] = http, ["sessions"] = new JsonArray(sessions) };
    }

    public static ServiceConfiguration Parse(JsonObject json)
    {
        var (config, error) = ServiceConfigurationLoader.Parse(json.ToJsonString());
        Assert.Null(error);
        return config!;
    }

    public static string Write(string folder, JsonObject json, string name = "pipeline.json")
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> Eventually(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            try
            {
                if (await condition()) return true;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>Starts <c>pipeline serve</c> as a child process (output collected in the background).</summary>
    public static (Process Process, System.Text.StringBuilder Output) StartServe(string configPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        // PIPELINE_TEST_CLI runs the same tests against another build (e.g. the one before a fix, to see them fail).
        var dll = Environment.GetEnvironmentVariable("PIPELINE_TEST_CLI") is { Length: > 0 } other ? other : Path.Combine(AppContext.BaseDirectory, "pipeline.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(configPath)! };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(configPath);
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var output = new System.Text.StringBuilder();
        var p = new Process { StartInfo = start };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return (p, output);
    }

    public static void Signal(Process p, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    public static async Task<JsonNode> GetJson(HttpClient http, string url)
    {
        var text = await http.GetStringAsync(url);
        return JsonNode.Parse(text)!;
    }
}
