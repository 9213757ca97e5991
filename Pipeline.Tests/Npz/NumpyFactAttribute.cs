using System.Diagnostics;

namespace Pipeline.Tests.Npz;

/// <summary>
/// A fact that needs <c>/usr/bin/python3</c> with NumPy; skipped with a reason where it is absent, except in CI
/// (<c>CI=true</c>), where the test runs and fails so that it cannot silently vanish.
/// </summary>
public sealed class NumpyFactAttribute : FactAttribute
{
    internal const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> Available = new(() =>
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Python, "-c \"import numpy\"")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            });
            if (p is null) return false;
            return p.WaitForExit(30_000) && p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public NumpyFactAttribute()
    {
        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!ci && !Available.Value)
            Skip = "needs /usr/bin/python3 with numpy (apt-get install -y python3-numpy) to check that numpy.load reads our .npz";
    }
}
