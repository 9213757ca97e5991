namespace Pipeline.Lsl.Xdf;

/// <summary>The chunk tags of XDF 1.0 (plus LabRecorder's non-standard tag 7, which readers skip).</summary>
public enum XdfChunkTag : ushort
{
    /// <summary>The file header XML; the first chunk.</summary>
    FileHeader = 1,
    /// <summary>StreamId + the stream's <c>&lt;info&gt;</c> XML.</summary>
    StreamHeader = 2,
    /// <summary>StreamId + sample count + encoded samples.</summary>
    Samples = 3,
    /// <summary>StreamId + collection time + offset value.</summary>
    ClockOffset = 4,
    /// <summary>A fixed 16-byte signature that a reader can resynchronise on.</summary>
    Boundary = 5,
    /// <summary>StreamId + a summary <c>&lt;info&gt;</c> XML written at the end.</summary>
    StreamFooter = 6,
    /// <summary>LabRecorder's columnar "samples v2" chunk; not XDF 1.0, skipped by this reader.</summary>
    SamplesV2 = 7,
}
