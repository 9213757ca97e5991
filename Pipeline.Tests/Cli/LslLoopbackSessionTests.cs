using System.Diagnostics;
using System.Text.Json;
using Pipeline.Lsl;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Lsl;

namespace Pipeline.Tests.Cli;

/// <summary>
/// The live path end to end on loopback, three processes as a user runs them: `pipeline replay --to-lsl` plays the
/// demo recording as an amplifier, `pipeline run --lsl` decodes it and sends commands back out over LSL, and this test
/// receives them with an LSL inlet. The commands must be those of the offline replay of the same file.
/// </summary>
public class LslLoopbackSessionTests
{
    private static List<(long Window, string Command)> CommandsOf(string jsonl) =>
        File.ReadLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "command")
            .Select(e => (e.GetProperty("window").GetInt64(), e.GetProperty("command").GetString()!)).ToList();

    [Fact]
    public async Task Live_session_over_lsl_gives_the_offline_command_sequence_and_publishes_it()
    {
        using var cfgFile = new TempPath(".cfg");
        File.WriteAllText(cfgFile.Path, LslTestSupport.LoopbackConfigFileText());
        using var offline = new TempPath(".jsonl");
        using var live = new TempPath(".jsonl");
        var off = PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--fast", "--quiet", "--model", "models/dbconformer-demo.onnx", "--out", offline.Path);
        Assert.True(off.ExitCode == 0, off.All);

        var config = LslConfig.FromFile(cfgFile.Path);
        Task<PipelineCli.Result>? replay = null;
        var run = Task.Run(() => PipelineCli.RunIn(SharedData.RepositoryRoot, TimeSpan.FromMinutes(3), "run", "--lsl", "type=EEG", "--model", "models/dbconformer-demo.onnx",
            "--to-lsl", "--quiet", "--idle-stop", "3", "--resolve-timeout", "60", "--lsl-config", cfgFile.Path, "--out", live.Path));
        var received = new List<string>();
        try
        {
            // The session publishes its command stream before it looks for EEG: connect to it first, then start the amplifier.
            var commands = LSL.ResolveByPred("name='PipelineCommands'", 1, 60, config);
            Assert.True(commands.Count > 0, "the live session's command stream did not appear on LSL");
            using var inlet = new StreamInlet(commands[0], config: config);
            inlet.OpenStream(10);
            replay = Task.Run(() => PipelineCli.RunIn(SharedData.RepositoryRoot, TimeSpan.FromMinutes(3), "replay", "recordings/demo-mi.xdf", "--to-lsl", "--speed", "15",
                "--wait", "60", "--lsl-config", cfgFile.Path));
            var sample = new string[1];
            var watch = Stopwatch.StartNew();
            while (!run.IsCompleted && watch.Elapsed < TimeSpan.FromMinutes(3))
                if (inlet.PullSample(sample, 0.2) != 0.0) received.Add(sample[0]);
            while (inlet.PullSample(sample, 0.5) != 0.0) received.Add(sample[0]);
        }
        finally
        {
            var r = await run;
            Assert.True(r.ExitCode == 0, r.All);
            if (replay is not null)
            {
                var p = await replay;
                Assert.True(p.ExitCode == 0, p.All);
            }
        }

        var expected = CommandsOf(offline.Path);
        var actual = CommandsOf(live.Path);
        Assert.True(expected.Count > 50, $"the offline replay decided only {expected.Count} commands");
        // On a difference, say what the live session saw (gaps, drops) beside the first differing command.
        var summary = File.ReadLines(live.Path).LastOrDefault(l => l.Contains("\"summary\"")) ?? "(no summary)";
        var firstDiff = Enumerable.Range(0, Math.Min(expected.Count, actual.Count)).FirstOrDefault(i => expected[i] != actual[i], -1);
        Assert.True(expected.SequenceEqual(actual),
            $"live commands differ from offline ({actual.Count} vs {expected.Count}; first at {firstDiff}: {(firstDiff >= 0 ? $"{actual[firstDiff]} vs {expected[firstDiff]}" : "-")}); live summary: {summary}");
        Assert.Equal(expected.Select(c => c.Command), received);
    }
}
