namespace Pipeline.Core.Operators;

// One definition of a break in a regular stream, shared by gap detection, windowing and epochs.
internal static class GapRule
{
    // A forward jump above 1.5 periods is a gap; any backward step is a clock reset.
    public static bool IsBreak(double previous, double current, double period) =>
        current - previous > 1.5 * period || current < previous;
}
