using System.Globalization;

namespace Pipeline.Host.Service;

/// <summary>Paths of a configuration: relative ones are taken from the configuration file's folder.</summary>
internal static class ServicePaths
{
    /// <summary>The full path of <paramref name="path"/> relative to <paramref name="baseDirectory"/>.</summary>
    public static string Resolve(string baseDirectory, string path) => Path.GetFullPath(Path.Combine(baseDirectory, path));

    /// <summary>A recording path with <c>{id}</c> and <c>{start}</c> filled in.</summary>
    public static string Expand(string template, string sessionId, DateTime startUtc) =>
        template.Replace("{id}", sessionId, StringComparison.Ordinal)
            .Replace("{start}", startUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>True under /proc, /sys or /dev (except /dev/null): places that hold no files to record into.</summary>
    public static bool IsKernelFileSystem(string fullPath) =>
        fullPath != "/dev/null" && (fullPath.StartsWith("/proc/", StringComparison.Ordinal) || fullPath.StartsWith("/sys/", StringComparison.Ordinal) || fullPath.StartsWith("/dev/", StringComparison.Ordinal));
}
