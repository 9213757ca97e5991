namespace Pipeline.Sources.Simulation;

/// <summary>One trial of the simulator's schedule; all times are stream timestamps (seconds) on the sample grid.</summary>
/// <param name="Index">Running number of the trial, from 0.</param>
/// <param name="Class">The cued class name (the cue marker's text).</param>
/// <param name="StartTime">Fixation onset (the optional <c>trial</c> marker).</param>
/// <param name="CueTime">Cue onset, where imagery starts (the class marker).</param>
/// <param name="ImageryEndTime">End of imagery, where rest starts.</param>
/// <param name="NextStartTime">Start of the next trial (end of rest).</param>
public readonly record struct SimulatedTrial(int Index, string Class, double StartTime, double CueTime, double ImageryEndTime, double NextStartTime);
