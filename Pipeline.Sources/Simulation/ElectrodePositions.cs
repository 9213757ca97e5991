using Pipeline.Core.Signals;

namespace Pipeline.Sources.Simulation;

/// <summary>
/// Approximate flat (azimuthal) positions of the 10-20 / 10-10 scalp electrodes, used by the simulator to mix
/// sources into nearby channels. Cz is the origin, +x points right, +y points to the nose, and one unit is the
/// 90° arc from Cz to the ear line, so neighbouring 10-10 electrodes are about 0.2 apart (C3 = (-0.4, 0)).
/// </summary>
/// <remarks>
/// Positions are computed from the label: the row (Fp, AF, F, FC/FT, C/T, CP/TP, P, PO, O, I) fixes the midline
/// point and the point on the 10 % ring, and the electrode number places it along that row (odd left, even right).
/// The old names T3, T4, T5 and T6 are read as T7, T8, P7 and P8.
/// Good enough for volume-conduction mixing; not a substitute for a digitised montage.
/// </remarks>
public static class ElectrodePositions
{
    // Row prefix → (midline y, ring angle in degrees from the nose). Longest prefixes first so "FC" wins over "F".
    private static readonly (string Prefix, double MidlineY, double RingDegrees)[] Rows =
    [
        ("Fp", 0.8, 18), ("AF", 0.6, 36), ("FC", 0.2, 72), ("FT", 0.2, 72), ("CP", -0.2, 108), ("TP", -0.2, 108),
        ("PO", -0.6, 144), ("F", 0.4, 54), ("C", 0.0, 90), ("T", 0.0, 90), ("P", -0.4, 126), ("O", -0.8, 162),
        ("I", -1.0, 162),
    ];

    private const double RingRadius = 0.8;

    /// <summary>Looks up the position of <paramref name="label"/> (case-insensitive, e.g. <c>C3</c>, <c>FCz</c>, <c>PO8</c>).</summary>
    /// <returns>True when the label is a 10-20/10-10 electrode name this table understands.</returns>
    public static bool TryGetPosition(string label, out double x, out double y)
    {
        x = y = 0;
        if (string.IsNullOrWhiteSpace(label)) return false;
        var name = label.Trim() switch
        {
            // The old 10-20 names of the temporal sites.
            var n when n.Equals("T3", StringComparison.OrdinalIgnoreCase) => "T7",
            var n when n.Equals("T4", StringComparison.OrdinalIgnoreCase) => "T8",
            var n when n.Equals("T5", StringComparison.OrdinalIgnoreCase) => "P7",
            var n when n.Equals("T6", StringComparison.OrdinalIgnoreCase) => "P8",
            var n => n,
        };
        foreach (var (prefix, midY, ringDeg) in Rows)
        {
            if (!name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
            var rest = name[prefix.Length..];
            if (rest.Equals("z", StringComparison.OrdinalIgnoreCase))
            {
                x = 0;
                y = midY;
                return true;
            }
            if (!int.TryParse(rest, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
                || number < 1 || number > 10)
                continue;
            var side = number % 2 == 1 ? -1.0 : 1.0;
            var ringRad = ringDeg * Math.PI / 180;
            if (prefix is "Fp" or "O" or "I")
            {
                // These rows have one electrode per side, on the ring itself (the inion row just below it).
                if (number > 2) continue;
                x = side * RingRadius * Math.Sin(ringRad);
                y = prefix == "I" ? midY : RingRadius * Math.Cos(ringRad);
                return true;
            }
            // Numbers 1,2 → step 1 … 7,8 → step 4 (the ring); 9,10 lie one step beyond it.
            var fraction = (number + 1) / 2 / 4.0;
            var ringX = RingRadius * Math.Sin(ringRad);
            var ringY = RingRadius * Math.Cos(ringRad);
            x = side * ringX * fraction;
            y = midY + (ringY - midY) * fraction;
            return true;
        }
        return false;
    }

    /// <summary>The position of <paramref name="label"/>; throws a <see cref="PipelineException"/> for an unknown label.</summary>
    public static (double X, double Y) GetPosition(string label)
    {
        if (TryGetPosition(label, out var x, out var y)) return (x, y);
        throw new PipelineException(
            $"The channel label '{label}' is not a 10-20/10-10 electrode name the simulator knows; use names such as Fz, FC3, C4, CPz, POz or O1.");
    }
}
