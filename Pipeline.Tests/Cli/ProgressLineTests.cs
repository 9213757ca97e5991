using System.Diagnostics;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Lsl;

namespace Pipeline.Tests.Cli;

/// <summary>
/// Progress on long work (issue 14, item 19): a live status line on a terminal, and nothing extra when the output is
/// redirected (a file, a pipe, the journal), so what a script reads is the results alone.
/// </summary>
public sealed class ProgressLineTests
{
    private static void AssertNoStatusLine(PipelineCli.Result r)
    {
        Assert.True(r.ExitCode == 0, r.All);
        Assert.DoesNotContain('\u001b', r.All); // no cursor movement, no colour
        Assert.DoesNotContain("elapsed", r.All);
        Assert.DoesNotContain("waiting for a consumer:", r.All);
        Assert.DoesNotContain("playing 00:", r.All);
        Assert.DoesNotMatch("[\u2800-\u28ff]", r.All); // the spinner's braille dots
    }

    [Fact]
    public void Redirected_bench_and_replay_to_lsl_print_their_results_and_nothing_else()
    {
        AssertNoStatusLine(PipelineCli.Run("bench", "replay", Path.Combine("recordings", "demo-mi.xdf"), "--repeat", "1"));
        AssertNoStatusLine(PipelineCli.Run("lsl", "bench", "--channel-count", "4", "--rate", "500", "--seconds", "1", "--chunk", "5"));

        using var cfg = new TempPath(".cfg");
        File.WriteAllText(cfg.Path, LslTestSupport.LoopbackConfigFileText());
        var replay = PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--to-lsl", "--speed", "40", "--wait", "0.5", "--lsl-config", cfg.Path);
        AssertNoStatusLine(replay);
        var lines = replay.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("publishing '", lines[0]);
        Assert.StartsWith("no consumer connected within 0.5 s", lines[1]);
        Assert.StartsWith("sent ", lines[^1]);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public async Task On_a_terminal_replay_to_lsl_shows_a_live_line_while_it_waits_and_plays()
    {
        if (!File.Exists("/usr/bin/script")) return; // util-linux's script gives the program a terminal; without it there is none to test
        using var cfg = new TempPath(".cfg");
        File.WriteAllText(cfg.Path, LslTestSupport.LoopbackConfigFileText());
        var dll = Path.Combine(AppContext.BaseDirectory, "pipeline.dll");
        var command = $"dotnet '{dll}' replay recordings/demo-mi.xdf --to-lsl --speed 20 --wait 1 --lsl-config '{cfg.Path}'";
        var start = new ProcessStartInfo("/usr/bin/script") { WorkingDirectory = SharedData.RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-qec", command, "/dev/null" }) start.ArgumentList.Add(a);
        start.Environment["TERM"] = "xterm-256color";
        start.Environment.Remove("NO_COLOR");
        using var p = Process.Start(start)!;
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var text = await p.StandardOutput.ReadToEndAsync(limit.Token);
        await p.WaitForExitAsync(limit.Token);
        Assert.True(p.ExitCode == 0, text);
        Assert.Contains("waiting for a consumer:", text);
        Assert.Matches(@"playing 00:\d\d: sent \d+ samples", text);
        Assert.Contains("sent ", text);
    }
}
