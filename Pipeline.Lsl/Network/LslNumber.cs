using System.Globalization;

namespace Pipeline.Lsl;

/// <summary>Numbers in the text forms liblsl puts on the wire (C printf <c>%g</c> family), locale-independent.</summary>
internal static class LslNumber
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>C's <c>%#.16g</c>: 16 significant digits with trailing zeros (stream info XML numbers).</summary>
    public static string Xml(double value) => FormatG(value, 16, keepTrailingZeros: true);

    /// <summary>C's <c>%.16g</c>: 16 significant digits, trailing zeros removed (time probe fields).</summary>
    public static string Probe(double value) => FormatG(value, 16, keepTrailingZeros: false);

    /// <summary>C's <c>%g</c> (6 digits) as liblsl prints the Endian-Performance header.</summary>
    public static string Short(double value) => FormatG(value, 6, keepTrailingZeros: false);

    /// <summary>C's <c>%.{precision}g</c> (with <c>#</c> when <paramref name="keepTrailingZeros"/>).</summary>
    public static string FormatG(double value, int precision, bool keepTrailingZeros)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        // The exponent after rounding to the precision decides fixed vs. scientific, exactly as C does.
        var sci = value.ToString("E" + (precision - 1).ToString(Inv), Inv);
        var ePos = sci.IndexOf('E');
        var exponent = int.Parse(sci.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, Inv);
        string text;
        if (exponent < -4 || exponent >= precision)
        {
            var mantissa = sci[..ePos];
            if (!keepTrailingZeros) mantissa = TrimZeros(mantissa);
            text = mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", Inv);
        }
        else
        {
            text = value.ToString("F" + (precision - 1 - exponent).ToString(Inv), Inv);
            if (!keepTrailingZeros) text = TrimZeros(text);
            else if (!text.Contains('.')) text += ".";
        }
        return text;
    }

    private static string TrimZeros(string s)
    {
        if (!s.Contains('.')) return s;
        s = s.TrimEnd('0');
        return s.EndsWith('.') ? s[..^1] : s;
    }

    /// <summary>Parses a decimal number the way liblsl writes it; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, Inv, out value);
}
