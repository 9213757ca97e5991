namespace Pipeline.Lsl;

/// <summary>
/// The value type of every channel of an LSL stream; the numeric values are LSL's <c>cft_*</c> codes,
/// so a format can travel as a number on the wire and as text (<see cref="ChannelFormatNames"/>) in XML.
/// </summary>
public enum ChannelFormat
{
    /// <summary>Unknown or missing format (<c>cft_undefined</c>); such a stream cannot be decoded.</summary>
    Undefined = 0,
    /// <summary>32-bit IEEE float (<c>float32</c>).</summary>
    Float32 = 1,
    /// <summary>64-bit IEEE float (<c>double64</c>).</summary>
    Double64 = 2,
    /// <summary>Variable-length UTF-8 text (<c>string</c>).</summary>
    String = 3,
    /// <summary>32-bit signed integer (<c>int32</c>).</summary>
    Int32 = 4,
    /// <summary>16-bit signed integer (<c>int16</c>).</summary>
    Int16 = 5,
    /// <summary>8-bit signed integer (<c>int8</c>).</summary>
    Int8 = 6,
    /// <summary>64-bit signed integer (<c>int64</c>).</summary>
    Int64 = 7,
}
