namespace Pipeline.Core.Decisions;

/// <summary>How per-window probabilities over the last k windows are combined.</summary>
public enum SmoothingMode
{
    /// <summary>Average the probability vectors; decide on the largest mean.</summary>
    Mean,
    /// <summary>Each window votes for its argmax; decide on the class with most votes (confidence = vote share).</summary>
    Majority,
}
