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

    /// <summary>
    /// serve's start-up status line on a terminal and its log lines do not mix (issue 14, item 19's leftover): the
    /// console logger wrote past Spectre onto the status line, and the next refresh wrote over the log lines, so the
    /// screen lost them ('session a running' never showed). The screen is rebuilt from what the terminal received.
    /// </summary>
    [Fact]
    public async Task On_a_terminal_serve_shows_every_log_line_whole_beside_its_start_up_status_line()
    {
        if (!File.Exists("/usr/bin/script")) return; // util-linux's script gives the program a terminal; without it there is none to test
        var folder = Service.ServiceTestSupport.NewFolder();
        try
        {
            var url = $"http://127.0.0.1:{Service.ServiceTestSupport.FreePort()}";
            var config = Service.ServiceTestSupport.Write(folder, Service.ServiceTestSupport.Config(url, null, Service.ServiceTestSupport.SimulatorSession("a", 1)));
            var pidFile = Path.Combine(folder, "pid");
            var dll = Environment.GetEnvironmentVariable("PIPELINE_TEST_CLI") is { Length: > 0 } other ? other : Path.Combine(AppContext.BaseDirectory, "pipeline.dll");
            var command = $"sh -c 'echo $$ > \"{pidFile}\"; exec dotnet \"{dll}\" serve --config \"{config}\"'";
            var start = new ProcessStartInfo("/usr/bin/script") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-qec", command, "/dev/null" }) start.ArgumentList.Add(a);
            start.Environment["TERM"] = "xterm-256color";
            start.Environment.Remove("NO_COLOR");
            using var p = Process.Start(start)!;
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var text = p.StandardOutput.ReadToEndAsync(limit.Token);
            using var http = new HttpClient();
            var running = await Service.ServiceTestSupport.Eventually(async () => (await http.GetStringAsync(url + "/health/ready")).Contains("\"a\":\"running\""), TimeSpan.FromSeconds(90));
            await Task.Delay(1000); // the status line notices and is removed
            Service.ServiceTestSupport.Signal(Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture)), "TERM");
            await p.WaitForExitAsync(limit.Token);
            var screen = TerminalScreen(await text);
            Assert.True(running, string.Join('\n', screen));
            var shown = string.Join('\n', screen);
            foreach (var expected in new[] { "session a starting", "session a running: simulator seed 3", "Application is shutting down", "session a stopped:" })
                Assert.True(screen.Any(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\d{4}-\d\d-\d\dT[\d:.]+Z info: .*" + System.Text.RegularExpressions.Regex.Escape(expected))),
                    $"the screen lacks the log line '{expected}':\n{shown}");
            Assert.DoesNotContain("sessions running", shown); // no piece of the status line left beside a log line
            Assert.Contains("starting 00:", await text); // the status line was there while the session started
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    /// <summary>What a terminal shows after <paramref name="output"/>: text, CR, LF, cursor up/down, erase line and erase below.</summary>
    private static List<string> TerminalScreen(string output)
    {
        var rows = new List<System.Text.StringBuilder> { new() };
        int row = 0, col = 0;
        void Row(int r) { while (rows.Count <= r) rows.Add(new()); }
        var control = new System.Text.RegularExpressions.Regex(@"\G(?:\u001b\[([0-9;?]*)([A-Za-z])|\u001b[=>])");
        for (var i = 0; i < output.Length;)
        {
            var m = control.Match(output, i);
            if (m.Success)
            {
                var n = int.TryParse(m.Groups[1].Value, out var v) ? v : 0;
                switch (m.Groups[2].Value)
                {
                    case "A": row = Math.Max(0, row - Math.Max(1, n)); break;
                    case "B": row += Math.Max(1, n); Row(row); break;
                    case "K": if (n == 2) rows[row].Clear(); else if (col < rows[row].Length) rows[row].Length = col; break;
                    case "J":
                        if (col < rows[row].Length) rows[row].Length = col;
                        rows.RemoveRange(row + 1, rows.Count - row - 1);
                        break;
                }
                i += m.Length;
                continue;
            }
            var c = output[i++];
            if (c == '\r') col = 0;
            else if (c == '\n') Row(++row);
            else
            {
                var line = rows[row];
                if (line.Length < col) line.Append(' ', col - line.Length);
                if (col < line.Length) line[col] = c; else line.Append(c);
                col++;
            }
        }
        return rows.Select(r => r.ToString().TrimEnd()).ToList();
    }
}
