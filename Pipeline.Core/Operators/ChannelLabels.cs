using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>
/// Matches channel labels across the usual spellings of recording software: EEGMMIDB's <c>Fc5.</c> and
/// <c>C3..</c>, EDF's <c>EEG C3</c> and <c>EEG C3-REF</c>, and the reference suffixes <c>-LE</c> and
/// <c>-AR</c>. Matching is case-insensitive; other derivations (<c>C3-A2</c>) are kept as they are because
/// they name a different signal.
/// </summary>
public static class ChannelLabels
{
    private static readonly string[] Prefixes = ["EEG "];
    private static readonly string[] Suffixes = ["-REF", "-LE", "-AR"];

    /// <summary>
    /// The comparable form of a label: trimmed, without trailing dots, without an <c>EEG </c> prefix or a
    /// <c>-REF</c>/<c>-LE</c>/<c>-AR</c> suffix, upper-case (invariant).
    /// </summary>
    public static string Normalize(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var s = label.Trim().TrimEnd('.', ' ');
        foreach (var p in Prefixes)
            if (s.StartsWith(p, StringComparison.OrdinalIgnoreCase)) { s = s[p.Length..].TrimStart(); break; }
        foreach (var x in Suffixes)
            if (s.Length > x.Length && s.EndsWith(x, StringComparison.OrdinalIgnoreCase)) { s = s[..^x.Length]; break; }
        return s.TrimEnd('.', ' ').ToUpperInvariant();
    }

    /// <summary>
    /// The label in standard 10-20 spelling: the normalized form with a lower-case midline <c>z</c> and <c>Fp</c>
    /// (<c>Fcz.</c> → <c>FCz</c>, <c>Fp1.</c> → <c>Fp1</c>, <c>EEG C3-REF</c> → <c>C3</c>). Used where labels are written out.
    /// </summary>
    public static string Canonical(string label)
    {
        var s = Normalize(label);
        if (s.Length > 1 && s[^1] == 'Z' && char.IsLetter(s[^2])) s = s[..^1] + "z";
        if (s.StartsWith("FP", StringComparison.Ordinal)) s = "Fp" + s[2..];
        return s;
    }

    /// <summary>
    /// The index in <paramref name="available"/> of each label in <paramref name="wanted"/>, in the wanted order.
    /// </summary>
    /// <exception cref="PipelineException">
    /// A wanted label is missing (all missing labels are named, with close available ones), two available
    /// labels match the same wanted one, or a label is wanted twice.
    /// </exception>
    public static int[] Resolve(IReadOnlyList<string> available, IReadOnlyList<string> wanted)
    {
        ArgumentNullException.ThrowIfNull(available);
        ArgumentNullException.ThrowIfNull(wanted);
        var byName = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < available.Count; i++)
        {
            var key = Normalize(available[i]);
            if (!byName.TryGetValue(key, out var list)) byName[key] = list = [];
            list.Add(i);
        }

        var result = new int[wanted.Count];
        var missing = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int w = 0; w < wanted.Count; w++)
        {
            var key = Normalize(wanted[w]);
            if (!seen.Add(key))
                throw new PipelineException($"Channel '{wanted[w]}' is asked for twice; list each channel once.");
            if (!byName.TryGetValue(key, out var list)) { missing.Add(wanted[w]); continue; }
            if (list.Count > 1)
                throw new PipelineException(
                    $"Channel '{wanted[w]}' matches several channels of the stream ({string.Join(", ", list.Select(i => $"'{available[i]}'"))}); rename or drop the duplicates at the source.");
            result[w] = list[0];
        }

        if (missing.Count > 0)
        {
            var parts = missing.Select(m =>
            {
                var close = Close(m, available);
                return close.Count == 0 ? $"'{m}'" : $"'{m}' (close: {string.Join(", ", close.Select(c => $"'{c}'"))})";
            });
            throw new PipelineException(
                $"The stream lacks channel{(missing.Count > 1 ? "s" : "")} {string.Join(", ", parts)}; choose labels from the stream's {available.Count} channels ({Preview(available)}).");
        }

        return result;
    }

    // Up to five available labels within edit distance 2 of the wanted one (after normalizing both).
    private static List<string> Close(string wanted, IReadOnlyList<string> available)
    {
        var key = Normalize(wanted);
        return available
            .Select(a => (Label: a, Distance: EditDistance(key, Normalize(a))))
            .Where(x => x.Distance <= Math.Max(1, Math.Min(2, key.Length / 2)))
            .OrderBy(x => x.Distance)
            .Take(5)
            .Select(x => x.Label)
            .ToList();
    }

    private static string Preview(IReadOnlyList<string> labels) =>
        labels.Count <= 12 ? string.Join(", ", labels) : string.Join(", ", labels.Take(12)) + ", ...";

    private static int EditDistance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
