using Pipeline.Core.Decisions;

namespace Pipeline.Core.Monitoring;

/// <summary>A command as a monitor saw it leave the session.</summary>
/// <param name="Command">The command.</param>
/// <param name="LatencyMs">From the arrival of the newest sample of its window to the monitor, ms (NaN where the arrival is unknown).</param>
public readonly record struct CommandEvent(Command Command, double LatencyMs);
