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
}
