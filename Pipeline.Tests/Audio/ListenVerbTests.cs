using System.Diagnostics;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Audio;

public sealed class ListenVerbTests
{
    private static (int Code, string Out, string Err) Run(IDictionary<string, string> env, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = SharedData.RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pipeline.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        foreach (var (k, v) in env) start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("pipeline did not finish"); }
        return (p.ExitCode, o.Result, e.Result);
    }

    private static readonly Dictionary<string, string> NoServer = new() { ["PULSE_SERVER"] = "unix:/nonexistent/pulse/native" };

    [Fact]
    public void Without_an_audio_server_listen_and_devices_say_so_and_exit_non_zero()
    {
        var (code, _, err) = Run(NoServer, "audio", "devices");
        Assert.Equal(2, code);
        // Without libpulse0 the sentence names the missing library instead of the missing server.
        Assert.Matches("No PulseAudio/PipeWire server is running|libpulse.* is not installed", err);
        Assert.Single(err.Trim().Split('\n'));
        (code, _, err) = Run(NoServer, "listen", "--model", "models/ssl/kws-hconv.onnx");
        Assert.Equal(2, code);
        Assert.Matches("No PulseAudio/PipeWire server is running|libpulse.* is not installed", err);
        Assert.Contains("--file", err);
    }

    [Fact]
    public void Corrupt_wav_gives_one_sentence()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.wav");
        File.WriteAllBytes(bad, "RIFF\x10\0\0\0WAVEjunkjunkjunk"u8.ToArray());
        try
        {
            var (code, _, err) = Run(NoServer, "listen", "--model", "models/ssl/kws-hconv.onnx", "--file", bad);
            Assert.Equal(2, code);
            Assert.Contains(bad, err);
            Assert.Single(err.Trim().Split('\n'));
        }
        finally { File.Delete(bad); }
    }

    [SharedDataFact]
    public void Replay_of_a_wav_file_runs_the_speech_path_and_needs_a_speech_model()
    {
        var wav = SharedData.File("speech", "alsa-utils", "Front_Left.wav");
        var (code, output, err) = Run(NoServer, "replay", wav, "--model", "models/ssl/kws-hconv.onnx", "--fast");
        Assert.True(code == 0, err);
        Assert.Contains("48000 Hz", output);
        Assert.Contains("segment(s); latency end of speech", output);
        (code, _, err) = Run(NoServer, "replay", wav, "--fast");
        Assert.Equal(2, code);
        Assert.Contains("is audio; give --model", err);
        (code, _, err) = Run(NoServer, "replay", wav, "--model", "models/ssl/kws-hconv.onnx", "--speed", "4");
        Assert.Equal(2, code);
        Assert.Contains("--speed N is for EEG recordings", err);
    }

    [SharedDataFact]
    public void Listen_on_a_48k_wav_file_labels_its_speech()
    {
        var (code, output, err) = Run(NoServer, "listen", "--model", "models/ssl/kws-ws.onnx", "--file", SharedData.File("speech", "alsa-utils", "Front_Left.wav"));
        Assert.True(code == 0, err);
        Assert.Contains("48000 Hz", output);
        Assert.Contains("segment(s); latency end of speech", output);
    }

    /// <summary>
    /// <c>--quiet</c> on the speech path (issue 14, item 8's options table): <c>replay x.wav</c> refused it and
    /// <c>listen</c> had none. Quiet keeps the command lines and the summary and drops the segments that gave no command.
    /// </summary>
    [SharedDataFact]
    public void Quiet_on_the_speech_path_prints_only_commands_and_the_summary_in_replay_and_listen()
    {
        var noCommand = SharedData.File("speech", "alsa-utils", "Front_Left.wav"); // two segments labelled 'unknown': no command
        var command = SharedData.File("speech", "espeak-synth", "down__en-us__s130.wav"); // one segment: the command DOWN
        static string[] Segments(string output) => output.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+[\d.]+ s  ")).ToArray();

        var loud = Run(NoServer, "replay", noCommand, "--model", "models/ssl/kws-hconv.onnx", "--fast");
        Assert.True(loud.Code == 0, loud.Err);
        Assert.Equal(2, Segments(loud.Out).Length);
        foreach (var args in new[] { new[] { "replay", noCommand, "--model", "models/ssl/kws-hconv.onnx", "--fast", "--quiet" }, ["listen", "--model", "models/ssl/kws-hconv.onnx", "--file", noCommand, "-q"] })
        {
            var quiet = Run(NoServer, args);
            Assert.True(quiet.Code == 0, $"{args[0]}: {quiet.Err}");
            Assert.Empty(Segments(quiet.Out));
            Assert.Contains("2 segment(s); latency end of speech", quiet.Out);
        }

        var down = Run(NoServer, "replay", command, "--model", "models/ssl/kws-hconv.onnx", "--fast", "--quiet");
        Assert.True(down.Code == 0, down.Err);
        Assert.Contains("DOWN", Assert.Single(Segments(down.Out)));
        Assert.Contains("1 segment(s); latency end of speech", down.Out);
    }
}
