using System.Text.RegularExpressions;

namespace Pipeline.Host.Dashboard;

/// <summary>
/// Keeps file-system paths out of what the page receives: a path in a text (a configured file, an error naming a file)
/// is shortened to its file name, so a browser never learns the machine's folders.
/// </summary>
internal static partial class PathRedaction
{
    /// <summary><paramref name="text"/> with every path replaced by its last part.</summary>
    public static string? FileNamesOnly(string? text) => text is null ? null : PathPattern().Replace(text, m => m.Groups["name"].Value);

    // An optional drive, then one or more folder parts ending in / or \, then the name.
    [GeneratedRegex(@"(?:[A-Za-z]:)?(?:[\\/]|~[\\/]|\.{1,2}[\\/])?(?:[^\s'""\\/:]+[\\/])+(?<name>[^\s'""\\/]*)")]
    private static partial Regex PathPattern();
}
