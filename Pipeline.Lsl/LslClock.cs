using System.Diagnostics;

namespace Pipeline.Lsl;

/// <summary>
/// The LSL clock (liblsl's <c>lsl_local_clock</c>): monotonic seconds from <see cref="Stopwatch"/>, which on Linux
/// reads CLOCK_MONOTONIC like liblsl does, so both agree on one host. Never jumps with wall-clock changes.
/// </summary>
public static class LslClock
{
    private static readonly double SecondsPerTick = 1.0 / Stopwatch.Frequency;

    /// <summary>The current time of the local LSL clock in seconds.</summary>
    public static double LocalClock() => Stopwatch.GetTimestamp() * SecondsPerTick;

    /// <summary>Converts <see cref="Stopwatch"/> ticks to LSL clock seconds.</summary>
    public static double FromTicks(long ticks) => ticks * SecondsPerTick;
}
