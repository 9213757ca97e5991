namespace Pipeline.Lsl;

/// <summary>
/// The "portable binary archive" of LSL's legacy data protocol 1.00: every number is a signed count byte n and the
/// |n| low bytes (little endian) of its value; a negative n marks a negative integer whose other bytes are 0xff.
/// Floats travel as their IEEE bit patterns, zero as the single byte 00.
/// </summary>
internal static class PortableArchive
{
    public const byte Magic = 0x7f;
    public const int Version = 9;

    public static void WriteSigned(ByteBuffer b, long value)
    {
        if (value == 0) { b.Add(0); return; }
        var temp = value;
        sbyte size = 0;
        do { temp >>= 8; size++; } while (temp != 0 && temp != -1);
        b.Add((byte)(value > 0 ? size : -size));
        var v = (ulong)value;
        for (var i = 0; i < size; i++) b.Add((byte)(v >> (8 * i)));
    }

    public static void WriteUnsigned(ByteBuffer b, ulong value)
    {
        if (value == 0) { b.Add(0); return; }
        var temp = value;
        byte size = 0;
        do { temp >>= 8; size++; } while (temp != 0);
        b.Add(size);
        for (var i = 0; i < size; i++) b.Add((byte)(value >> (8 * i)));
    }

    /// <summary>Reads a number stored in <paramref name="width"/> bytes (8 at most); the raw little-endian bits are returned.</summary>
    public static ulong Read(FeedReader r, int width)
    {
        var size = (sbyte)r.ReadByte();
        if (size == 0) return 0;
        var n = Math.Abs((int)size);
        if (n > width) throw new InvalidDataException($"a portable-archive number of {n} bytes where at most {width} fit");
        ulong v = size < 0 ? ulong.MaxValue : 0;
        for (var i = 0; i < n; i++)
        {
            v &= ~(0xffUL << (8 * i));
            v |= (ulong)r.ReadByte() << (8 * i);
        }
        return v;
    }
}
