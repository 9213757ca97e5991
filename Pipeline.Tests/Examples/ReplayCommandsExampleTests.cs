using System.Diagnostics;
using System.Text.Json;
using Pipeline.Tests.Cli;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Examples;

/// <summary>
/// examples/ReplayCommands (the composition the README shows: replay → operators → model → sink, with the libraries
/// alone) decides exactly the commands of `pipeline replay --fast` on the demo recording.
/// </summary>
public sealed class ReplayCommandsExampleTests
{
    private static List<(long Window, string Command, string Class)> CommandsOf(string jsonl) =>
        File.ReadLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "command")
            .Select(e => (e.GetProperty("window").GetInt64(), e.GetProperty("command").GetString()!, e.GetProperty("class").GetString()!)).ToList();

    [Fact]
    public async Task The_library_example_gives_the_commands_of_pipeline_replay_fast_on_the_demo_recording()
    {
        using var example = new TempPath(".jsonl");
        using var cli = new TempPath(".jsonl");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = SharedData.RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "ReplayCommands.dll"), "recordings/demo-mi.xdf", "models/dbconformer-demo.onnx", example.Path })
            start.ArgumentList.Add(a);
        using (var p = Process.Start(start)!)
        {
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await p.WaitForExitAsync(timeout.Token);
            Assert.True(p.ExitCode == 0, await output + await error);
            Assert.Matches(@"^\d+ commands", await output);
        }
        var r = PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--model", "models/dbconformer-demo.onnx", "--fast", "--quiet", "--out", cli.Path);
        Assert.True(r.ExitCode == 0, r.All);

        var expected = CommandsOf(cli.Path);
        var actual = CommandsOf(example.Path);
        Assert.True(expected.Count > 50, $"the replay decided only {expected.Count} commands");
        Assert.Equal(expected, actual);
    }
}
