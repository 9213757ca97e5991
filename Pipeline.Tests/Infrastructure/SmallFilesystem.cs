using System.Diagnostics;

namespace Pipeline.Tests.Infrastructure;

/// <summary>
/// A real, small filesystem (a tmpfs of a few hundred kilobytes) that fills up as a real disk does: writes fail with
/// ENOSPC. Mounting needs root; <see cref="SmallFilesystemFactAttribute"/> skips the test with the reason otherwise.
/// </summary>
public sealed class SmallFilesystem : IDisposable
{
    private SmallFilesystem(string path) => Path = path;

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Why a small filesystem cannot be had here, or null when it can.</summary>
    public static string? Unavailable =>
        !OperatingSystem.IsLinux() ? "a tmpfs mount needs Linux"
        : Environment.UserName != "root" ? "mounting a small tmpfs (a full disk on demand) needs root"
        : !File.Exists("/bin/mount") && !File.Exists("/usr/bin/mount") ? "mount(8) is not installed"
        : null;

    /// <summary>Mounts a tmpfs of <paramref name="kilobytes"/> KiB at a new temporary folder.</summary>
    public static SmallFilesystem Mount(int kilobytes)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pipeline-full-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", path);
        return new SmallFilesystem(path);
    }

    private static void Run(string tool, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(tool, args) { RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed: {err}");
    }

    /// <summary>Unmounts and removes the folder.</summary>
    public void Dispose()
    {
        try { Run("umount", "-l", Path); }
        catch (InvalidOperationException) { }
        try { Directory.Delete(Path, true); }
        catch (IOException) { }
    }
}

/// <summary>A fact that needs a <see cref="SmallFilesystem"/>; skipped with the reason where one cannot be mounted.</summary>
public sealed class SmallFilesystemFactAttribute : FactAttribute
{
    public SmallFilesystemFactAttribute()
    {
        if (SmallFilesystem.Unavailable is { } reason) Skip = reason;
    }
}
