using System.Buffers.Binary;

namespace Pipeline.Sources.Gdf;

/// <summary>The GDF sample type codes this reader decodes (little-endian): 1 int8, 2 uint8, 3 int16, 4 uint16, 5 int32, 6 uint32, 7 int64, 8 uint64, 16 float32, 17 float64.</summary>
internal static class GdfTypes
{
    /// <summary>Bytes per sample of a type code, or 0 for a code this reader does not decode.</summary>
    public static int Size(int code) => code switch
    {
        1 or 2 => 1,
        3 or 4 => 2,
        5 or 6 or 16 => 4,
        7 or 8 or 17 => 8,
        _ => 0,
    };

    /// <summary>A readable name of a type code, for stream descriptions and messages.</summary>
    public static string Name(int code) => code switch
    {
        1 => "int8", 2 => "uint8", 3 => "int16", 4 => "uint16", 5 => "int32", 6 => "uint32",
        7 => "int64", 8 => "uint64", 16 => "float32", 17 => "float64", _ => $"type {code}",
    };

    /// <summary>Decodes <paramref name="count"/> samples of one type into <paramref name="frames"/> at <c>s × stride + channel</c>, scaled.</summary>
    public static void Decode(ReadOnlySpan<byte> bytes, int code, int count, double gain, double offset, Span<float> frames, int channel, int stride)
    {
        // The switch sits outside the loops so that each sample costs one load and one multiply-add.
        switch (code)
        {
            case 1:
                for (var s = 0; s < count; s++) frames[s * stride + channel] = (float)((sbyte)bytes[s] * gain + offset);
                break;
            case 2:
                for (var s = 0; s < count; s++) frames[s * stride + channel] = (float)(bytes[s] * gain + offset);
                break;
            case 3:
                for (var s = 0; s < count; s++) frames[s * stride + channel] = (float)(BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * s)..]) * gain + offset);
                break;
            case 4:
                for (var s = 0; s < count; s++) frames[s * stride + channel] = (float)(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * s)..]) * gain + offset);
                break;
            case 5:
                for (var s = 0; s < count; s++) frames[s * stride + channel] = (float)(BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * s)..]) * gain + offset);
                break;
            case 6:
                for (var s = 0; s < count; s++) frames[s * stride + channel] = (float)(BinaryPrimitives.ReadUInt32LittleEndian(bytes[(4 * s)..]) * gain + offset);
                break;
            case 7:
                for (var s = 0; s < count; s++) frames[s * stride + channel] = (float)(BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * s)..]) * gain + offset);
                break;
            case 8:
                for (var s = 0; s < count; s++) frames[s * stride + channel] = (float)(BinaryPrimitives.ReadUInt64LittleEndian(bytes[(8 * s)..]) * gain + offset);
                break;
            case 16:
                for (var s = 0; s < count; s++) frames[s * stride + channel] = (float)(BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * s)..]) * gain + offset);
                break;
            case 17:
                for (var s = 0; s < count; s++) frames[s * stride + channel] = (float)(BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * s)..]) * gain + offset);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(code), code, "Unsupported GDF type code.");
        }
    }
}
