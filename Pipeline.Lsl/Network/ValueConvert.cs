using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Pipeline.Lsl;

/// <summary>
/// Converts between caller arrays (float, double, int, short, sbyte, long) and a sample's little-endian bytes of the
/// stream's format. The same type is a plain copy; other types convert like liblsl (rounded, saturated for integers).
/// </summary>
internal static class ValueConvert
{
    public static void Store(ReadOnlySpan<float> src, ChannelFormat f, Span<byte> raw)
    {
        if (f == ChannelFormat.Float32 && BitConverter.IsLittleEndian) { MemoryMarshal.AsBytes(src).CopyTo(raw); return; }
        for (var i = 0; i < src.Length; i++) SetDouble(raw, f, i, src[i]);
    }

    public static void Store(ReadOnlySpan<double> src, ChannelFormat f, Span<byte> raw)
    {
        if (f == ChannelFormat.Double64 && BitConverter.IsLittleEndian) { MemoryMarshal.AsBytes(src).CopyTo(raw); return; }
        for (var i = 0; i < src.Length; i++) SetDouble(raw, f, i, src[i]);
    }

    public static void Store(ReadOnlySpan<int> src, ChannelFormat f, Span<byte> raw)
    {
        if (f == ChannelFormat.Int32 && BitConverter.IsLittleEndian) { MemoryMarshal.AsBytes(src).CopyTo(raw); return; }
        for (var i = 0; i < src.Length; i++) SetLong(raw, f, i, src[i]);
    }

    public static void Store(ReadOnlySpan<short> src, ChannelFormat f, Span<byte> raw)
    {
        if (f == ChannelFormat.Int16 && BitConverter.IsLittleEndian) { MemoryMarshal.AsBytes(src).CopyTo(raw); return; }
        for (var i = 0; i < src.Length; i++) SetLong(raw, f, i, src[i]);
    }

    public static void Store(ReadOnlySpan<sbyte> src, ChannelFormat f, Span<byte> raw)
    {
        if (f == ChannelFormat.Int8) { MemoryMarshal.AsBytes(src).CopyTo(raw); return; }
        for (var i = 0; i < src.Length; i++) SetLong(raw, f, i, src[i]);
    }

    public static void Store(ReadOnlySpan<long> src, ChannelFormat f, Span<byte> raw)
    {
        if (f == ChannelFormat.Int64 && BitConverter.IsLittleEndian) { MemoryMarshal.AsBytes(src).CopyTo(raw); return; }
        for (var i = 0; i < src.Length; i++) SetLong(raw, f, i, src[i]);
    }

    public static void Load(ReadOnlySpan<byte> raw, ChannelFormat f, Span<float> dst)
    {
        if (f == ChannelFormat.Float32 && BitConverter.IsLittleEndian) { raw[..(dst.Length * 4)].CopyTo(MemoryMarshal.AsBytes(dst)); return; }
        for (var i = 0; i < dst.Length; i++) dst[i] = (float)GetDouble(raw, f, i);
    }

    public static void Load(ReadOnlySpan<byte> raw, ChannelFormat f, Span<double> dst)
    {
        if (f == ChannelFormat.Double64 && BitConverter.IsLittleEndian) { raw[..(dst.Length * 8)].CopyTo(MemoryMarshal.AsBytes(dst)); return; }
        for (var i = 0; i < dst.Length; i++) dst[i] = GetDouble(raw, f, i);
    }

    public static void Load(ReadOnlySpan<byte> raw, ChannelFormat f, Span<int> dst)
    {
        for (var i = 0; i < dst.Length; i++) dst[i] = (int)Math.Clamp(GetLong(raw, f, i), int.MinValue, int.MaxValue);
    }

    public static void Load(ReadOnlySpan<byte> raw, ChannelFormat f, Span<short> dst)
    {
        for (var i = 0; i < dst.Length; i++) dst[i] = (short)Math.Clamp(GetLong(raw, f, i), short.MinValue, short.MaxValue);
    }

    public static void Load(ReadOnlySpan<byte> raw, ChannelFormat f, Span<sbyte> dst)
    {
        for (var i = 0; i < dst.Length; i++) dst[i] = (sbyte)Math.Clamp(GetLong(raw, f, i), sbyte.MinValue, sbyte.MaxValue);
    }

    public static void Load(ReadOnlySpan<byte> raw, ChannelFormat f, Span<long> dst)
    {
        for (var i = 0; i < dst.Length; i++) dst[i] = GetLong(raw, f, i);
    }

    public static double GetDouble(ReadOnlySpan<byte> raw, ChannelFormat f, int i) => f switch
    {
        ChannelFormat.Float32 => BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]),
        ChannelFormat.Double64 => BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]),
        ChannelFormat.Int32 => BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]),
        ChannelFormat.Int16 => BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * i)..]),
        ChannelFormat.Int8 => (sbyte)raw[i],
        ChannelFormat.Int64 => BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]),
        _ => double.NaN,
    };

    public static long GetLong(ReadOnlySpan<byte> raw, ChannelFormat f, int i) => f switch
    {
        ChannelFormat.Int32 => BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]),
        ChannelFormat.Int16 => BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * i)..]),
        ChannelFormat.Int8 => (sbyte)raw[i],
        ChannelFormat.Int64 => BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]),
        _ => Saturate(GetDouble(raw, f, i)),
    };

    private static long Saturate(double v) =>
        double.IsNaN(v) ? 0 : v >= long.MaxValue ? long.MaxValue : v <= long.MinValue ? long.MinValue : (long)Math.Round(v);

    private static void SetDouble(Span<byte> raw, ChannelFormat f, int i, double v)
    {
        switch (f)
        {
            case ChannelFormat.Float32: BinaryPrimitives.WriteSingleLittleEndian(raw[(4 * i)..], (float)v); break;
            case ChannelFormat.Double64: BinaryPrimitives.WriteDoubleLittleEndian(raw[(8 * i)..], v); break;
            default: SetLong(raw, f, i, Saturate(v)); break;
        }
    }

    private static void SetLong(Span<byte> raw, ChannelFormat f, int i, long v)
    {
        switch (f)
        {
            case ChannelFormat.Float32: BinaryPrimitives.WriteSingleLittleEndian(raw[(4 * i)..], v); break;
            case ChannelFormat.Double64: BinaryPrimitives.WriteDoubleLittleEndian(raw[(8 * i)..], v); break;
            case ChannelFormat.Int32: BinaryPrimitives.WriteInt32LittleEndian(raw[(4 * i)..], (int)Math.Clamp(v, int.MinValue, int.MaxValue)); break;
            case ChannelFormat.Int16: BinaryPrimitives.WriteInt16LittleEndian(raw[(2 * i)..], (short)Math.Clamp(v, short.MinValue, short.MaxValue)); break;
            case ChannelFormat.Int8: raw[i] = (byte)(sbyte)Math.Clamp(v, sbyte.MinValue, sbyte.MaxValue); break;
            case ChannelFormat.Int64: BinaryPrimitives.WriteInt64LittleEndian(raw[(8 * i)..], v); break;
        }
    }
}
