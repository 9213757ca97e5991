namespace Pipeline.Host.Cli;

/// <summary>
/// The option spellings of the previous release, still accepted for one release (issue 14, item 16) but hidden: they
/// appear in no <c>--help</c>, so each name there has one meaning across verbs (docs/cli.md, "Vocabulary"). An old
/// spelling is rewritten to the new one before parsing, with one note on standard error saying what to write instead.
/// </summary>
internal static class LegacySpellings
{
    /// <summary>One old spelling of one verb: <paramref name="Old"/> becomes <paramref name="New"/> when <paramref name="Applies"/> accepts its value.</summary>
    internal sealed record Spelling(string Verb, string Old, string New, Func<string?, bool>? Applies = null);

    private static readonly string[] ComputeDevices = ["cpu", "cuda", "gpu", "auto"];

    /// <summary>Every old spelling still accepted, by verb.</summary>
    internal static readonly Spelling[] All =
    [
        // listen: --device is now the compute device, as in every other verb; the microphone is --mic. A capture
        // device is never called cpu, cuda or auto, so an old '--device vmic' still means the microphone.
        new("listen", "--compute", "--device"),
        new("listen", "-d", "--mic"),
        new("listen", "--device", "--mic", v => v is not null && !ComputeDevices.Contains(v.ToLowerInvariant())),
        // JSON Lines output is --jsonl everywhere (as serve's sinks.jsonl); --out is the file a verb makes (XDF, npz).
        new("replay", "--out", "--jsonl"),
        new("replay", "-o", "--jsonl"),
        new("run", "--out", "--jsonl"),
        new("run", "-o", "--jsonl"),
        // How long to wait for a stream (or its consumer) is --wait everywhere.
        new("run", "--resolve-timeout", "--wait"),
        // An LSL query is --lsl everywhere (run, lsl record).
        new("lsl record", "--stream", "--lsl"),
        new("lsl record", "-s", "--lsl"),
        // --channels is a list of labels everywhere; a count is --channel-count.
        new("lsl bench", "--channels", "--channel-count"),
        new("simulate", "--channels", "--channel-count", v => v is not null && v.Trim().All(char.IsAsciiDigit) && v.Trim().Length > 0),
    ];

    /// <summary>The arguments with every old spelling of the verb they name replaced; a note per replacement goes to <paramref name="notes"/>.</summary>
    public static string[] Rewrite(string[] args, TextWriter? notes)
    {
        var verbLength = 0;
        while (verbLength < args.Length && verbLength < 2 && !args[verbLength].StartsWith('-')) verbLength++;
        var verb = string.Join(' ', args.Take(verbLength));
        var spellings = All.Where(s => s.Verb == verb || (verbLength == 2 && s.Verb == args[0])).ToArray();
        if (spellings.Length == 0) return args;
        var result = (string[])args.Clone();
        for (var i = verbLength; i < result.Length; i++)
        {
            var token = result[i];
            if (token == "--") break;
            var name = token;
            string? inline = null;
            var cut = token.StartsWith("--", StringComparison.Ordinal) ? token.IndexOfAny(['=', ':']) : -1;
            if (cut > 0) (name, inline) = (token[..cut], token[(cut + 1)..]);
            var value = inline ?? (i + 1 < result.Length ? result[i + 1] : null);
            var spelling = spellings.FirstOrDefault(s => s.Old == name && (s.Applies is null || s.Applies(value)));
            if (spelling is null) continue;
            result[i] = inline is null ? spelling.New : $"{spelling.New}{token[cut]}{inline}";
            notes?.WriteLine($"note: '{spelling.Old}' of 'pipeline {spelling.Verb}' is now '{spelling.New}'; the old spelling is accepted in this release only.");
        }
        return result;
    }
}
