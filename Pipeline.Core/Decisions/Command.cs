namespace Pipeline.Core.Decisions;

/// <summary>A control command decided from the prediction stream.</summary>
/// <param name="Session">The session that decided it.</param>
/// <param name="Name">The command's name (e.g. <c>left</c>), from the model card or the configuration.</param>
/// <param name="ClassName">The class the command stands for.</param>
/// <param name="Confidence">The smoothed confidence that crossed the threshold.</param>
/// <param name="Time">Timestamp (LSL clock, s) of the newest sample of the window that triggered it.</param>
/// <param name="WindowIndex">The window that triggered it.</param>
/// <param name="NewestArrivalTicks">Arrival time (Stopwatch ticks) of that window's newest sample.</param>
public sealed record Command(string Session, string Name, string ClassName, float Confidence, double Time, long WindowIndex, long NewestArrivalTicks);
