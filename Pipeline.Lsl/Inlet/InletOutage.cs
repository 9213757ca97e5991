namespace Pipeline.Lsl;

/// <summary>
/// An inlet lost its outlet (the connection broke or the outlet went away). Reported once per outage, when it
/// begins; <see cref="InletRecovery"/> follows if the inlet finds the stream again. Times are LSL clock seconds of
/// this process.
/// </summary>
/// <param name="Uid">The uid of the outlet that was lost.</param>
/// <param name="Reason">Why the connection ended, as a sentence fragment (e.g. "the outlet closed the connection").</param>
/// <param name="LastTimestampBefore">Timestamp of the last sample received before the loss (outlet clock; NaN if none).</param>
/// <param name="LostAt">When the connection broke.</param>
public sealed record InletOutage(string Uid, string Reason, double LastTimestampBefore, double LostAt);
