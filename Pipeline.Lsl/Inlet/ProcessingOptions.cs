namespace Pipeline.Lsl;

/// <summary>Optional timestamp post-processing of an inlet (liblsl's <c>proc_*</c> flags); none by default.</summary>
[Flags]
public enum ProcessingOptions
{
    /// <summary>Timestamps as the outlet sent them (its clock).</summary>
    None = 0,
    /// <summary>Add the current time correction, mapping timestamps into the local clock.</summary>
    ClockSync = 1,
    /// <summary>Smooth timestamps of regular streams with an exponentially forgetting linear regression on the sample index.</summary>
    Dejitter = 2,
    /// <summary>Never let a timestamp go below the previous one.</summary>
    Monotonize = 4,
    /// <summary>All of the above.</summary>
    All = ClockSync | Dejitter | Monotonize,
}
