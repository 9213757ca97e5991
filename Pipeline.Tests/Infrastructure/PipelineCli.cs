using System.Diagnostics;

namespace Pipeline.Tests.Infrastructure;

/// <summary>Runs the real <c>pipeline</c> program (built next to the tests) as a child process.</summary>
public static class PipelineCli
{
    public sealed record Result(int ExitCode, string Out, string Err)
    {
        public string All => Out + Err;
    }

    public static Result Run(params string[] args) => RunIn(SharedData.RepositoryRoot, TimeSpan.FromMinutes(2), args);

    public static Result RunIn(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        // PIPELINE_TEST_CLI runs the same tests against another build (e.g. the one before a fix, to see them fail).
        var dll = Environment.GetEnvironmentVariable("PIPELINE_TEST_CLI") is { Length: > 0 } other ? other : Path.Combine(AppContext.BaseDirectory, "pipeline.dll");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("PIPELINE_DEBUG");
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"pipeline {string.Join(' ', args)} did not finish within {timeout}.");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
