using System.Buffers.Binary;

namespace Pipeline.Lsl;

/// <summary>A growable byte buffer reused across writes so steady-state encoding allocates nothing.</summary>
internal sealed class ByteBuffer(int capacity = 4096)
{
    private byte[] _data = new byte[Math.Max(16, capacity)];

    public int Length { get; private set; }
    public byte[] Array => _data;
    public ReadOnlySpan<byte> Span => _data.AsSpan(0, Length);

    public void Clear() => Length = 0;

    public Span<byte> Reserve(int count)
    {
        if (Length + count > _data.Length)
            System.Array.Resize(ref _data, Math.Max(_data.Length * 2, Length + count));
        var s = _data.AsSpan(Length, count);
        Length += count;
        return s;
    }

    public void Add(byte b) => Reserve(1)[0] = b;
    public void Add(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void AddAscii(string text)
    {
        var s = Reserve(text.Length);
        for (var i = 0; i < text.Length; i++) s[i] = (byte)text[i];
    }

    public void AddDouble(double v, bool bigEndian)
    {
        var s = Reserve(8);
        if (bigEndian) BinaryPrimitives.WriteDoubleBigEndian(s, v); else BinaryPrimitives.WriteDoubleLittleEndian(s, v);
    }
}
