namespace Pipeline.Lsl;

/// <summary>
/// An inlet lost its outlet and resumed: the samples pushed in between were not received (a gap). Times are LSL
/// clock seconds of this process.
/// </summary>
/// <param name="PreviousUid">The uid of the outlet that was lost.</param>
/// <param name="NewUid">The uid now connected (the same when the old outlet came back on the same connection target).</param>
/// <param name="LastTimestampBefore">Timestamp of the last sample received before the loss (outlet clock; NaN if none).</param>
/// <param name="LostAt">When the connection broke.</param>
/// <param name="ResumedAt">When the new feed delivered its test patterns.</param>
public sealed record InletRecovery(string PreviousUid, string NewUid, double LastTimestampBefore, double LostAt, double ResumedAt)
{
    /// <summary>How long the inlet was without a connection, in seconds.</summary>
    public double Outage => ResumedAt - LostAt;
}
