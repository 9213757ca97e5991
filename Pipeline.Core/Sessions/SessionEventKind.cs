namespace Pipeline.Core.Sessions;

/// <summary>What a <see cref="SessionEvent"/> carries (0 is no valid kind, so a default event is none of them).</summary>
public enum SessionEventKind
{
    /// <summary>A window's prediction (class probabilities, or band power without a model).</summary>
    Prediction = 1,
    /// <summary>A command the decision layer took.</summary>
    Command = 2,
    /// <summary>An event marker of the source (cue, trial start) passing by.</summary>
    Marker = 3,
    /// <summary>A gap in the session's signal.</summary>
    Gap = 4,
    /// <summary>The session's totals; the last event of a session that ran to its end (or was stopped).</summary>
    Summary = 5,
    /// <summary>
    /// The prediction for one trial's cue-locked epoch, cut online from the same preprocessed stream as the sliding
    /// windows (see <see cref="Inference.Prediction.Cue"/>): what the session's trial accuracy is scored on.
    /// </summary>
    Trial = 6,
}
