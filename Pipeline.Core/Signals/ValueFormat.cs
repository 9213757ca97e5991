namespace Pipeline.Core.Signals;

/// <summary>The value format of a stream's samples, as LSL and XDF name them.</summary>
public enum ValueFormat
{
    /// <summary>32-bit IEEE float (<c>float32</c>).</summary>
    Float32,
    /// <summary>64-bit IEEE float (<c>double64</c>).</summary>
    Double64,
    /// <summary>UTF-8 text (<c>string</c>): marker streams.</summary>
    String,
    /// <summary>32-bit signed integer (<c>int32</c>).</summary>
    Int32,
    /// <summary>16-bit signed integer (<c>int16</c>).</summary>
    Int16,
    /// <summary>8-bit signed integer (<c>int8</c>).</summary>
    Int8,
    /// <summary>64-bit signed integer (<c>int64</c>).</summary>
    Int64,
}
