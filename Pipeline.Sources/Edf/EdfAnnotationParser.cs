using System.Globalization;
using System.Text;

namespace Pipeline.Sources.Edf;

/// <summary>
/// Parses the time-stamped annotation lists (TALs) of one record's annotation bytes:
/// <c>+Onset[\x15Duration]\x14[Text\x14]...\x00</c>, UTF-8 text, onsets in seconds from the header's start time.
/// </summary>
internal static class EdfAnnotationParser
{
    private const byte TalEnd = 0x00;
    private const byte TextEnd = 0x14;
    private const byte DurationMark = 0x15;

    /// <summary>
    /// Onsets and durations beyond this many seconds (about 31 years) are not times but damage: a time-keeping onset
    /// of +1e308 s would overflow every date and sample index computed from it, so such a TAL counts as unreadable.
    /// </summary>
    internal const double MaxSeconds = 1e9;

    /// <summary>One annotation as written in the file (onset relative to the header's start time).</summary>
    internal readonly record struct Annotation(double Onset, double Duration, string Text);

    /// <summary>
    /// Parses one record's annotation bytes. Returns the record's time-keeping onset (the first TAL, when its
    /// first text is empty) or null, adds the real annotations to <paramref name="into"/>, and counts TALs that
    /// could not be read in <paramref name="malformed"/>; the first of those is kept, printable, in <paramref name="firstMalformed"/>.
    /// </summary>
    internal static double? Parse(ReadOnlySpan<byte> bytes, List<Annotation> into, ref int malformed, ref string? firstMalformed)
    {
        double? timeKeeping = null;
        var first = true;
        var pos = 0;
        while (pos < bytes.Length)
        {
            if (bytes[pos] == TalEnd) { pos++; continue; }
            var rest = bytes[pos..];
            var end = rest.IndexOf(TalEnd);
            var tal = end < 0 ? rest : rest[..end];
            pos += end < 0 ? rest.Length : end + 1;
            var isFirst = first;
            first = false;

            var textStart = tal.IndexOf(TextEnd);
            if (textStart < 0) { Malformed(tal, ref malformed, ref firstMalformed); continue; }
            var head = tal[..textStart];
            var mark = head.IndexOf(DurationMark);
            var onsetBytes = mark < 0 ? head : head[..mark];
            if (onsetBytes.Length < 2 || (onsetBytes[0] != (byte)'+' && onsetBytes[0] != (byte)'-')
                || !TryNumber(onsetBytes, out var onset))
            {
                Malformed(tal, ref malformed, ref firstMalformed);
                continue;
            }
            var duration = 0.0;
            if (mark >= 0 && !TryNumber(head[(mark + 1)..], out duration)) { Malformed(tal, ref malformed, ref firstMalformed); continue; }

            var texts = tal[(textStart + 1)..];
            var textIndex = 0;
            while (!texts.IsEmpty)
            {
                var stop = texts.IndexOf(TextEnd);
                var text = stop < 0 ? texts : texts[..stop];
                texts = stop < 0 ? [] : texts[(stop + 1)..];
                if (text.IsEmpty)
                {
                    // An empty first text in the first TAL marks the record's start (the time-keeping TAL).
                    if (isFirst && textIndex == 0) timeKeeping = onset;
                }
                else
                {
                    into.Add(new Annotation(onset, duration, Encoding.UTF8.GetString(text)));
                }
                textIndex++;
            }
        }
        return timeKeeping;
    }

    private static void Malformed(ReadOnlySpan<byte> tal, ref int malformed, ref string? first)
    {
        malformed++;
        if (first is not null) return;
        var shown = tal[..Math.Min(tal.Length, 32)];
        var chars = new char[shown.Length];
        for (var i = 0; i < shown.Length; i++) chars[i] = shown[i] is >= 0x20 and < 0x7F ? (char)shown[i] : ' ';
        first = new string(chars).Trim() + (tal.Length > 32 ? "..." : "");
    }

    private static bool TryNumber(ReadOnlySpan<byte> ascii, out double value)
    {
        value = 0;
        if (ascii.IsEmpty || ascii.Length > 64) return false;
        Span<char> chars = stackalloc char[ascii.Length];
        for (var i = 0; i < ascii.Length; i++)
        {
            var b = ascii[i];
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (byte)'.' or (byte)'+' or (byte)'-' or (byte)'e' or (byte)'E')) return false;
            chars[i] = (char)b;
        }
        return double.TryParse(chars, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value)
            && Math.Abs(value) <= MaxSeconds;
    }
}
