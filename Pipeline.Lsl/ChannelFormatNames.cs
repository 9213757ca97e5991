namespace Pipeline.Lsl;

/// <summary>The text names of <see cref="ChannelFormat"/> used in LSL stream info XML, and value sizes.</summary>
public static class ChannelFormatNames
{
    /// <summary>The XML name of a format (<c>float32</c>, <c>int16</c>, ...; <c>undefined</c> for <see cref="ChannelFormat.Undefined"/>).</summary>
    public static string ToXmlName(this ChannelFormat format) => format switch
    {
        ChannelFormat.Float32 => "float32",
        ChannelFormat.Double64 => "double64",
        ChannelFormat.String => "string",
        ChannelFormat.Int32 => "int32",
        ChannelFormat.Int16 => "int16",
        ChannelFormat.Int8 => "int8",
        ChannelFormat.Int64 => "int64",
        _ => "undefined",
    };

    /// <summary>Parses an XML format name (case-insensitive, surrounding whitespace ignored); unknown text gives <see cref="ChannelFormat.Undefined"/>.</summary>
    public static ChannelFormat Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "float32" => ChannelFormat.Float32,
        "double64" => ChannelFormat.Double64,
        "string" => ChannelFormat.String,
        "int32" => ChannelFormat.Int32,
        "int16" => ChannelFormat.Int16,
        "int8" => ChannelFormat.Int8,
        "int64" => ChannelFormat.Int64,
        _ => ChannelFormat.Undefined,
    };

    /// <summary>Bytes per value of a numeric format; 0 for <see cref="ChannelFormat.String"/> and <see cref="ChannelFormat.Undefined"/>.</summary>
    public static int ValueSize(this ChannelFormat format) => format switch
    {
        ChannelFormat.Float32 or ChannelFormat.Int32 => 4,
        ChannelFormat.Double64 or ChannelFormat.Int64 => 8,
        ChannelFormat.Int16 => 2,
        ChannelFormat.Int8 => 1,
        _ => 0,
    };
}
