namespace Pipeline.Core.Evaluation;

/// <summary>One trial scored by its cue-locked epoch: the cue, the cued class, the predicted class and the probabilities.</summary>
/// <param name="Marker">The cue marker's text.</param>
/// <param name="CueTime">The cue's time stamp (LSL clock, s).</param>
/// <param name="Class">The cued class index.</param>
/// <param name="Predicted">The argmax of <paramref name="Probabilities"/>.</param>
/// <param name="Probabilities">The model's class probabilities for the epoch.</param>
public sealed record TrialResult(string Marker, double CueTime, int Class, int Predicted, float[] Probabilities)
{
    /// <summary>True when the prediction is the cued class.</summary>
    public bool Correct => Predicted == Class;
}
