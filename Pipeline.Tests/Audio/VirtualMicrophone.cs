using System.Diagnostics;

namespace Pipeline.Tests.Audio;

/// <summary>
/// A private PulseAudio daemon with a null sink "vspk" at 16 kHz mono and a source "vmic" that records what the
/// sink plays: a microphone for tests on a machine without a sound card. Started as our own child process in its
/// own runtime folder; stopped by its PID.
/// </summary>
public sealed class VirtualMicrophone : IDisposable
{
    private readonly Process? _daemon;
    private readonly string _runtimeDir = "";

    public VirtualMicrophone()
    {
        var exe = Which("pulseaudio");
        if (exe is null || !ToolsPresent)
            throw new InvalidOperationException(IsCi ? "CI=true but pulseaudio/paplay are missing: .ci/run must install pulseaudio and pulseaudio-utils." : MissingToolsReason);
        _runtimeDir = Directory.CreateTempSubdirectory("vmic-").FullName;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_runtimeDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var start = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "--daemonize=no", "--exit-idle-time=-1", "-n", "--log-target=stderr", "--load=module-native-protocol-unix",
                     "--load=module-null-sink sink_name=vspk rate=16000 channels=1",
                     "--load=module-remap-source source_name=vmic master=vspk.monitor" })
            start.ArgumentList.Add(a);
        start.Environment["XDG_RUNTIME_DIR"] = _runtimeDir;
        start.Environment["HOME"] = _runtimeDir;
        _daemon = Process.Start(start)!;
        _daemon.ErrorDataReceived += (_, _) => { };
        _daemon.OutputDataReceived += (_, _) => { };
        _daemon.BeginErrorReadLine();
        _daemon.BeginOutputReadLine();
        var socket = Path.Combine(_runtimeDir, "pulse", "native");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(socket) && DateTime.UtcNow < deadline && !_daemon.HasExited) Thread.Sleep(50);
        if (!File.Exists(socket)) throw new InvalidOperationException("The test PulseAudio daemon did not create its socket within 10 s.");
        Server = "unix:" + socket;
        Pactl("set-default-sink", "vspk");
        Pactl("set-default-source", "vmic");
    }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when pulseaudio, pactl and paplay are on PATH.</summary>
    public static bool ToolsPresent => Which("pulseaudio") is not null && Which("paplay") is not null && Which("pactl") is not null;

    /// <summary>Why the tests skip where the tools are missing.</summary>
    public const string MissingToolsReason = "needs pulseaudio, pactl and paplay (apt-get install pulseaudio pulseaudio-utils) for a virtual microphone";

    /// <summary>The server address to pass to the capture (unix:/…/native).</summary>
    public string Server { get; } = "";

    /// <summary>Plays a WAV file into the virtual speaker and waits until it has been played.</summary>
    public void Play(string wavPath) => Tool("paplay", "--device=vspk", wavPath);

    /// <summary>Starts playing a WAV file; the returned process ends when playing is done.</summary>
    public Process StartPlaying(string wavPath)
    {
        var start = ToolStart("paplay", "--device=vspk", wavPath);
        return Process.Start(start)!;
    }

    public void Pactl(params string[] args) => Tool("pactl", args);

    private void Tool(string name, params string[] args)
    {
        using var p = Process.Start(ToolStart(name, args))!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(30_000)) { p.Kill(); throw new TimeoutException($"{name} did not finish."); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{name} {string.Join(' ', args)} failed: {err.Result}");
    }

    private ProcessStartInfo ToolStart(string name, params string[] args)
    {
        var start = new ProcessStartInfo(name) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["PULSE_SERVER"] = Server;
        start.Environment["XDG_RUNTIME_DIR"] = _runtimeDir;
        return start;
    }

    public void Dispose()
    {
        if (_daemon is not null && !_daemon.HasExited)
        {
            _daemon.Kill();
            _daemon.WaitForExit(5000);
        }
        _daemon?.Dispose();
        if (_runtimeDir.Length > 0) try { Directory.Delete(_runtimeDir, true); } catch (IOException) { }
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
