using System.Reflection;
using System.Security.Cryptography;

namespace Pipeline.Host.Dashboard;

/// <summary>
/// The page's static files (HTML, CSS, our script, uPlot and its licence), embedded in the program so that nothing
/// is read from disk at run time and no folder has to be deployed beside it.
/// </summary>
internal static class DashboardAssets
{
    private const string Prefix = "dashboard/";
    private static readonly Lazy<IReadOnlyDictionary<string, Asset>> All = new(Load);

    /// <summary>One file: its bytes, content type and a strong ETag.</summary>
    internal sealed record Asset(byte[] Content, string ContentType, string ETag);

    /// <summary>The file named <paramref name="name"/> (e.g. <c>index.html</c>), or null.</summary>
    public static Asset? Find(string name) => All.Value.TryGetValue(name, out var a) ? a : null;

    /// <summary>The names of every file.</summary>
    public static IEnumerable<string> Names => All.Value.Keys;

    private static Dictionary<string, Asset> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var name = resource[Prefix.Length..];
            assets[name] = new Asset(bytes, ContentType(name), "\"" + Convert.ToHexString(SHA256.HashData(bytes))[..16] + "\"");
        }
        return assets;
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "text/plain; charset=utf-8",
    };
}
