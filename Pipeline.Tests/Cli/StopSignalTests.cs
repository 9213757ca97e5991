using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Pipeline.Lsl;
using Pipeline.Lsl.Xdf;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Lsl;

namespace Pipeline.Tests.Cli;

/// <summary>
/// SIGTERM, SIGINT and SIGHUP end a verb like a finished run (issue 14, item 2): the source stops, files are flushed and
/// closed (XDF footers written), the summary is printed and the exit code is 0. Real processes, real signals.
/// </summary>
public sealed class StopSignalTests
{
    private const int SigHup = 1, SigInt = 2, SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private sealed class Running(Process process, StringBuilder output) : IDisposable
    {
        public Process Process { get; } = process;
        public string Output { get { lock (output) return output.ToString(); } }

        public void Signal(int signal) => Assert.Equal(0, kill(Process.Id, signal));

        public int WaitForExit(TimeSpan timeout)
        {
            if (!Process.WaitForExit(timeout)) throw new TimeoutException($"the process did not end within {timeout} after the signal: {Output}");
            Process.WaitForExit(); // the output readers finish
            return Process.ExitCode;
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    private static Running Start(params string[] args)
    {
        // A signal ignored when a process starts stays ignored in its children (nohup ignores SIGHUP; a shell without job
        // control ignores SIGINT in background jobs), and .NET then never sees it: the verb would rightly go on. GNU env
        // gives the child the default disposition, so these tests test the handlers wherever the suite is started from;
        // env execs dotnet, so the process id is the verb's.
        var start = new ProcessStartInfo("env") { WorkingDirectory = SharedData.RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--default-signal=HUP,INT,TERM");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Environment.GetEnvironmentVariable("PIPELINE_TEST_CLI") is { Length: > 0 } other ? other : Path.Combine(AppContext.BaseDirectory, "pipeline.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        var output = new StringBuilder();
        var p = Process.Start(start)!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return new Running(p, output);
    }

    private static int LinesIn(string path)
    {
        if (!File.Exists(path)) return 0;
        using var read = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(read);
        return reader.ReadToEnd().Count(c => c == '\n');
    }

    [Fact]
    public void Run_stopped_by_SIGTERM_writes_its_summary_and_complete_files_and_exits_0_and_the_replayed_amplifier_stops_on_SIGHUP()
    {
        using var cfg = new TempPath(".cfg");
        File.WriteAllText(cfg.Path, LslTestSupport.LoopbackConfigFileText());
        using var jsonl = new TempPath(".jsonl");
        using var csv = new TempPath(".csv");
        using var amplifier = Start("replay", "recordings/demo-mi.xdf", "--to-lsl", "--wait", "0", "--lsl-config", cfg.Path);
        using var run = Start("run", "--lsl", "type=EEG", "--model", "models/dbconformer-demo.onnx", "--quiet", "--resolve-timeout", "60",
            "--lsl-config", cfg.Path, "--out", jsonl.Path, "--csv", csv.Path);
        // Stopped once a few windows were decoded (the files are flushed once a second while the run goes on).
        var watch = Stopwatch.StartNew();
        while (LinesIn(jsonl.Path) < 4 && !run.Process.HasExited && watch.Elapsed < TimeSpan.FromSeconds(90)) Thread.Sleep(200);
        Assert.True(LinesIn(jsonl.Path) >= 4, "no predictions reached the file: " + run.Output);

        run.Signal(SigTerm);
        Assert.True(run.WaitForExit(TimeSpan.FromSeconds(20)) == 0, run.Output);
        Assert.Contains("SIGTERM: stopping", run.Output);
        Assert.Contains("windows", run.Output); // the summary table
        var lines = File.ReadAllLines(jsonl.Path).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var summary = lines[^1];
        Assert.Equal("summary", summary.GetProperty("type").GetString());
        var predictions = lines.Count(l => l.GetProperty("type").GetString() == "prediction");
        Assert.Equal(predictions, summary.GetProperty("windows").GetInt64());
        var rows = File.ReadAllLines(csv.Path);
        Assert.StartsWith("type,session,window", rows[0]);
        Assert.Equal(predictions, rows.Count(r => r.StartsWith("prediction,", StringComparison.Ordinal)));

        amplifier.Signal(SigHup);
        Assert.True(amplifier.WaitForExit(TimeSpan.FromSeconds(20)) == 0, amplifier.Output);
        Assert.Contains("SIGHUP: stopping", amplifier.Output);
        Assert.Matches(@"sent \d+ samples", amplifier.Output);
    }

    [Fact]
    public void Lsl_record_stopped_by_SIGTERM_or_SIGINT_closes_the_file_with_every_footer_and_exits_0()
    {
        foreach (var signal in new[] { SigTerm, SigInt })
        {
            using var cfg = new TempPath(".cfg");
            File.WriteAllText(cfg.Path, LslTestSupport.LoopbackConfigFileText());
            var config = LslConfig.FromFile(cfg.Path);
            using var xdf = new TempPath(".xdf");
            var info = new StreamInfo(LslTestSupport.UniqueName("rec-signal"), "EEG", 2, 100, ChannelFormat.Int32, "rec-signal-" + Guid.NewGuid().ToString("N")[..6]);
            using var outlet = new StreamOutlet(info, config: config);
            using var record = Start("lsl", "record", "--out", xdf.Path, "--lsl-config", cfg.Path, "--stream", $"name={info.Name}", "--wait", "30");
            Assert.True(outlet.WaitForConsumers(60), "lsl record never connected: " + record.Output);
            for (var i = 0; i < 50; i++) outlet.PushSample([i, 20164001 + i], 3000.0 + i * 0.01);
            Thread.Sleep(1500); // the recorder writes every 0.5 s

            record.Signal(signal);
            Assert.True(record.WaitForExit(TimeSpan.FromSeconds(20)) == 0, record.Output);
            Assert.Contains("50 samples", record.Output);
            var stream = Assert.Single(XdfFile.Load(xdf.Path, applyClockOffsets: false).Streams);
            Assert.NotNull(stream.Stream.Footer);
            Assert.Equal(50, stream.Count);
            Assert.Equal(20164001 + 49, stream.Values64![^1]);
        }
    }

    // ---- verbs that run to completion (issue 14, item 2, the batch verbs): one line, exit 0, no half file left ----

    private static void WaitFor(Func<bool> condition, Running process, string what, double seconds = 60)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && !process.Process.HasExited && watch.Elapsed < TimeSpan.FromSeconds(seconds)) Thread.Sleep(20);
        Assert.True(condition(), $"{what} never happened: {process.Output}");
    }

    [Fact]
    public void Simulate_stopped_by_SIGTERM_keeps_a_valid_XDF_with_footers_holding_what_was_generated_and_exits_0()
    {
        using var xdf = new TempPath(".xdf");
        using var simulate = Start("simulate", "--minutes", "1440", "--out", xdf.Path);
        WaitFor(() => File.Exists(xdf.Path + ".partial") && new FileInfo(xdf.Path + ".partial").Length > (1 << 20), simulate, "a growing .partial file");

        simulate.Signal(SigTerm);
        var exit = simulate.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, $"exit {exit}: {simulate.Output}");
        var line = Assert.Single(simulate.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^SIGTERM: stopped simulate after [\d.]+ s of the 86400\.0 s asked for; kept '.+': a valid XDF with footers", line);
        Assert.False(File.Exists(xdf.Path + ".partial"));
        var file = XdfFile.Load(xdf.Path, applyClockOffsets: false);
        Assert.Empty(file.Warnings);
        Assert.Equal(2, file.Streams.Count);
        Assert.All(file.Streams, s => Assert.NotNull(s.Stream.Footer));
        var eeg = file.FindStream(1)!;
        Assert.True(eeg.Count > 250, "the kept file holds too little: " + eeg.Count);
        Assert.Equal(eeg.Count, eeg.Stream.Footer!.SampleCount);
        var seconds = double.Parse(System.Text.RegularExpressions.Regex.Match(line, @"after ([\d.]+) s").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(seconds, eeg.Count / 250.0, 1); // the line says what the file holds
    }

    [Fact]
    public void Epochs_stopped_by_SIGINT_while_writing_removes_its_unfinished_file_leaves_the_target_as_it_was_and_exits_0()
    {
        using var xdf = new TempPath(".xdf");
        using var npz = new TempPath(".npz");
        Assert.Equal(0, PipelineCli.Run("simulate", "--minutes", "60", "--out", xdf.Path).ExitCode);
        File.WriteAllText(npz.Path, "the previous result");
        // An hour resampled to 1000 Hz: about 90 MB of epochs to write, long enough to be stopped while writing.
        using var epochs = Start("epochs", xdf.Path, "--markers", "left,right", "--tmin", "0.5", "--tmax", "4.5", "--resample", "1000", "--out", npz.Path);
        WaitFor(() => File.Exists(npz.Path + ".partial"), epochs, "the .partial file", seconds: 120);

        epochs.Signal(SigInt);
        var exit = epochs.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, $"exit {exit}: {epochs.Output}");
        var line = Assert.Single(epochs.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"SIGINT: stopped epochs before it finished; nothing was written (the unfinished '{npz.Path}.partial' was removed; what was there before is as it was).", line);
        Assert.False(File.Exists(npz.Path + ".partial"));
        Assert.Equal("the previous result", File.ReadAllText(npz.Path));
    }

    [Fact]
    public void A_benchmark_stopped_by_SIGHUP_writes_no_half_result_and_exits_0()
    {
        using var json = new TempPath(".json");
        using var bench = Start("bench", "replay", "recordings/demo-mi.xdf", "--repeat", "1000", "--json", json.Path);
        WaitFor(() => bench.Output.Contains("bench replay"), bench, "the benchmark's first line");

        bench.Signal(SigHup);
        var exit = bench.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, $"exit {exit}: {bench.Output}");
        Assert.Contains("SIGHUP: stopped bench replay before it finished; nothing was written.", bench.Output);
        Assert.False(File.Exists(json.Path));
        Assert.False(File.Exists(json.Path + ".partial"));
    }

    [Fact]
    public void Lsl_list_stopped_by_SIGTERM_while_it_waits_for_answers_exits_0_with_one_line()
    {
        using var cfg = new TempPath(".cfg");
        File.WriteAllText(cfg.Path, LslTestSupport.LoopbackConfigFileText());
        using var list = Start("lsl", "list", "--wait", "120", "--lsl-config", cfg.Path);
        // Signalled once it asks the network (its first UDP socket), not after a guessed time: a loaded machine may
        // take seconds to start the runtime, before any verb could catch a signal.
        WaitFor(() => HasUdpSocket(list.Process.Id), list, "a UDP socket of lsl list");

        list.Signal(SigTerm);
        var exit = list.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, $"exit {exit}: {list.Output}");
        Assert.Equal("SIGTERM: stopped lsl list before it finished; nothing was written.", list.Output.Trim());
    }

    /// <summary>Whether process <paramref name="pid"/> holds a UDP socket (its socket inodes against /proc/net/udp).</summary>
    private static bool HasUdpSocket(int pid)
    {
        try
        {
            var inodes = Directory.GetFiles($"/proc/{pid}/fd").Select(f => new FileInfo(f).LinkTarget)
                .Where(t => t is not null && t.StartsWith("socket:[", StringComparison.Ordinal)).Select(t => t![8..^1]).ToHashSet();
            return File.ReadAllLines("/proc/net/udp").Skip(1).Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: > 9 } f && inodes.Contains(f[9]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // the process is gone or its descriptors changed while being read
        }
    }
}
