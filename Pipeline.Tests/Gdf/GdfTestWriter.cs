using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Tests.Gdf;

/// <summary>Builds small GDF 1.25 or 2.10 files byte by byte (int16 samples, physical ±100 over ±32767/8).</summary>
internal sealed class GdfTestWriter
{
    public bool Version2 { get; init; }
    public int Signals { get; init; } = 2;
    public int SamplesPerRecord { get; init; } = 4;
    public int Records { get; init; } = 5;
    public uint DurationNumerator { get; init; } = 1;
    public uint DurationDenominator { get; init; } = 2;
    /// <summary>The event table's own rate (0: the signal rate).</summary>
    public int EventRate { get; init; }
    public (uint Position, ushort Type, uint Duration)[] Events { get; init; } = [(1, 768, 0), (9, 769, 4), (17, 770, 2)];

    /// <summary>The stored value of sample s of record r, signal i.</summary>
    public static short Digital(int i, int r, int s) => (short)(i * 1000 + r * 100 + s - 500);

    public byte[] Build()
    {
        var ns = Signals;
        var header = new byte[256 * (ns + 1)];
        var h = header.AsSpan();
        Encoding.ASCII.GetBytes(Version2 ? "GDF 2.10" : "GDF 1.25").CopyTo(h);
        Encoding.ASCII.GetBytes("patient").CopyTo(h[8..]);
        if (!Version2) Encoding.ASCII.GetBytes("20070302120759" + "00").CopyTo(h[168..]);
        if (Version2) BinaryPrimitives.WriteUInt16LittleEndian(h[184..], (ushort)(ns + 1));
        else BinaryPrimitives.WriteInt64LittleEndian(h[184..], header.Length);
        BinaryPrimitives.WriteInt64LittleEndian(h[236..], Records);
        BinaryPrimitives.WriteUInt32LittleEndian(h[244..], DurationNumerator);
        BinaryPrimitives.WriteUInt32LittleEndian(h[248..], DurationDenominator);
        if (Version2) BinaryPrimitives.WriteUInt16LittleEndian(h[252..], (ushort)ns);
        else BinaryPrimitives.WriteUInt32LittleEndian(h[252..], (uint)ns);
        var v = h[256..];
        for (var i = 0; i < ns; i++)
        {
            Encoding.ASCII.GetBytes($"C{i + 1}").CopyTo(v[(16 * i)..]);
            Encoding.Latin1.GetBytes("µV").CopyTo(v[(96 * ns + 8 * i)..]);
            BinaryPrimitives.WriteDoubleLittleEndian(v[(104 * ns + 8 * i)..], -100);
            BinaryPrimitives.WriteDoubleLittleEndian(v[(112 * ns + 8 * i)..], 100);
            if (Version2)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(v[(120 * ns + 8 * i)..], -32768);
                BinaryPrimitives.WriteDoubleLittleEndian(v[(128 * ns + 8 * i)..], 32767);
            }
            else
            {
                BinaryPrimitives.WriteInt64LittleEndian(v[(120 * ns + 8 * i)..], -32768);
                BinaryPrimitives.WriteInt64LittleEndian(v[(128 * ns + 8 * i)..], 32767);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(v[(216 * ns + 4 * i)..], (uint)SamplesPerRecord);
            BinaryPrimitives.WriteUInt32LittleEndian(v[(220 * ns + 4 * i)..], 3);
        }
        var data = new byte[Records * ns * SamplesPerRecord * 2];
        var at = 0;
        for (var r = 0; r < Records; r++)
            for (var i = 0; i < ns; i++)
                for (var s = 0; s < SamplesPerRecord; s++, at += 2)
                    BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(at), Digital(i, r, s));
        var n = Events.Length;
        var events = new byte[8 + 12 * n];
        var e = events.AsSpan();
        e[0] = 3;
        if (Version2)
        {
            e[1] = (byte)n; e[2] = (byte)(n >> 8); e[3] = (byte)(n >> 16);
            BinaryPrimitives.WriteSingleLittleEndian(e[4..], EventRate);
        }
        else
        {
            e[1] = (byte)EventRate; e[2] = (byte)(EventRate >> 8); e[3] = (byte)(EventRate >> 16);
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], (uint)n);
        }
        for (var k = 0; k < n; k++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(e[(8 + 4 * k)..], Events[k].Position);
            BinaryPrimitives.WriteUInt16LittleEndian(e[(8 + 4 * n + 2 * k)..], Events[k].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(e[(8 + 8 * n + 4 * k)..], Events[k].Duration);
        }
        return [.. header, .. data, .. events];
    }
}
