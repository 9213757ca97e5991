namespace Pipeline.Core.Audio;

/// <summary>What the audio session decided for one speech segment.</summary>
/// <param name="Label">The most probable class of the window that ends the segment.</param>
/// <param name="Confidence">Its probability.</param>
/// <param name="Command">The command emitted by the decision layer, or null (below threshold, refractory, rest or ignored class).</param>
/// <param name="Segment">The speech segment that was classified.</param>
/// <param name="LabelTime">When the label was known (LSL clock, s).</param>
/// <param name="LatencySeconds">From the end of the speech to the label: <see cref="LabelTime"/> − segment end.</param>
/// <param name="InferenceSeconds">Time spent in the upstream and head (with a shared runner: from queueing to the result).</param>
/// <param name="Probabilities">Every class's probability, in the model's class order.</param>
public sealed record KeywordDetection(string Label, float Confidence, string? Command, SpeechSegment Segment, double LabelTime,
    double LatencySeconds, double InferenceSeconds, IReadOnlyList<float> Probabilities);
