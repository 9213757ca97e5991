using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Dashboard;

/// <summary>The real <c>pipeline</c> program as a running child process whose output is read as it comes.</summary>
internal sealed class PipelineProcess : IDisposable
{
    private readonly StringBuilder _output = new();

    public PipelineProcess(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pipeline.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("PIPELINE_API_KEY");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        Process = new Process { StartInfo = start };
        Process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        Process.Start();
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Waits for a line matching <paramref name="pattern"/> and returns its first group (or the match).</summary>
    public string WaitFor(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            var m = regex.Match(Output);
            if (m.Success) return m.Groups.Count > 1 ? m.Groups[1].Value : m.Value;
            if (Process.HasExited) break;
            Thread.Sleep(100);
        }
        throw new TimeoutException($"pipeline never printed /{pattern}/; it printed:\n{Output}");
    }

    public static PipelineProcess Start(params string[] args) => new(SharedData.RepositoryRoot, null, args);

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            try { Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            Process.WaitForExit(5000);
        }
        Process.Dispose();
    }
}
