namespace Pipeline.Core.Evaluation;

/// <summary>One cue marker of a recording and the model class it cues (e.g. <c>T1</c> → <c>left</c>).</summary>
/// <param name="Marker">The marker text exactly as recorded.</param>
/// <param name="ClassName">One of the model's classes.</param>
public sealed record CueClass(string Marker, string ClassName);
