using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Lsl;

/// <summary>
/// Encodes and decodes samples of one negotiated feed: data protocol 1.10 (tag, optional timestamp, raw values in the
/// negotiated byte order, length-prefixed strings) or 1.00 (portable archive). Values live in memory as little-endian
/// bytes of the stream's format (strings as .NET strings), so a sample is copied, never boxed.
/// </summary>
internal sealed class SampleCodec
{
    public const byte TagDeduced = 1;
    public const byte TagTransmitted = 2;
    public const double TestPatternTimestamp = 123456.789;

    private readonly double _period;
    private bool _archiveHeaderDone;

    public SampleCodec(ChannelFormat format, int channels, double nominalSrate, int protocol, bool bigEndian, bool suppressSubnormals, long maxStringLength = 16 * 1024 * 1024)
    {
        if (format == ChannelFormat.Undefined) throw new InvalidDataException("the channel format is undefined");
        Format = format;
        Channels = channels;
        ValueSize = format.ValueSize();
        SampleBytes = ValueSize * channels;
        Protocol = protocol;
        BigEndian = bigEndian;
        SuppressSubnormals = suppressSubnormals && format is ChannelFormat.Float32 or ChannelFormat.Double64;
        MaxStringLength = maxStringLength;
        _period = nominalSrate > 0 ? 1.0 / nominalSrate : 0;
    }

    public ChannelFormat Format { get; }
    public int Channels { get; }
    public int ValueSize { get; }
    public int SampleBytes { get; }
    public int Protocol { get; }
    public bool BigEndian { get; }
    public bool SuppressSubnormals { get; }
    public long MaxStringLength { get; }
    public bool IsString => Format == ChannelFormat.String;

    /// <summary>The previous timestamp of the decoded feed (tag 1 samples continue from it).</summary>
    public double LastTimestamp { get; set; }

    // ---------------------------------------------------------------- encoding

    public void Encode(ByteBuffer b, double timestamp, bool deduced, ReadOnlySpan<byte> raw, ReadOnlySpan<string> strings)
    {
        if (Protocol >= 110) Encode110(b, timestamp, deduced, raw, strings);
        else Encode100(b, timestamp, deduced, raw, strings);
    }

    private void Encode110(ByteBuffer b, double timestamp, bool deduced, ReadOnlySpan<byte> raw, ReadOnlySpan<string> strings)
    {
        if (deduced) b.Add(TagDeduced);
        else { b.Add(TagTransmitted); b.AddDouble(timestamp, BigEndian); }
        if (IsString)
        {
            for (var k = 0; k < Channels; k++)
            {
                var s = strings[k] ?? "";
                var len = Encoding.UTF8.GetByteCount(s);
                if (len <= byte.MaxValue) { b.Add(1); b.Add((byte)len); }
                else
                {
                    b.Add(4);
                    var l = b.Reserve(4);
                    if (BigEndian) BinaryPrimitives.WriteUInt32BigEndian(l, (uint)len); else BinaryPrimitives.WriteUInt32LittleEndian(l, (uint)len);
                }
                Encoding.UTF8.GetBytes(s, b.Reserve(len));
            }
            return;
        }
        var dst = b.Reserve(SampleBytes);
        raw[..SampleBytes].CopyTo(dst);
        if (BigEndian && ValueSize > 1)
            for (var o = 0; o < SampleBytes; o += ValueSize) dst.Slice(o, ValueSize).Reverse();
    }

    private void Encode100(ByteBuffer b, double timestamp, bool deduced, ReadOnlySpan<byte> raw, ReadOnlySpan<string> strings)
    {
        if (!_archiveHeaderDone) { b.Add(0); b.Add(0); _archiveHeaderDone = true; }
        PortableArchive.WriteSigned(b, deduced ? TagDeduced : TagTransmitted);
        if (!deduced) PortableArchive.WriteUnsigned(b, BitConverter.DoubleToUInt64Bits(timestamp));
        for (var k = 0; k < Channels; k++)
        {
            switch (Format)
            {
                case ChannelFormat.String:
                    var s = strings[k] ?? "";
                    var bytes = Encoding.UTF8.GetBytes(s);
                    PortableArchive.WriteUnsigned(b, (ulong)bytes.Length);
                    b.Add(bytes);
                    break;
                case ChannelFormat.Float32: PortableArchive.WriteUnsigned(b, BinaryPrimitives.ReadUInt32LittleEndian(raw[(4 * k)..])); break;
                case ChannelFormat.Double64: PortableArchive.WriteUnsigned(b, BinaryPrimitives.ReadUInt64LittleEndian(raw[(8 * k)..])); break;
                case ChannelFormat.Int32: PortableArchive.WriteSigned(b, BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * k)..])); break;
                case ChannelFormat.Int16: PortableArchive.WriteSigned(b, BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * k)..])); break;
                case ChannelFormat.Int8: PortableArchive.WriteSigned(b, (sbyte)raw[k]); break;
                case ChannelFormat.Int64: PortableArchive.WriteSigned(b, BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * k)..])); break;
            }
        }
    }

    /// <summary>The archive preamble of a 1.00 feed: magic, version, then the short-info XML as a string.</summary>
    public static void EncodeArchiveHeader(ByteBuffer b, string shortInfoXml)
    {
        b.Add(PortableArchive.Magic);
        PortableArchive.WriteSigned(b, PortableArchive.Version);
        var xml = Encoding.UTF8.GetBytes(shortInfoXml);
        PortableArchive.WriteUnsigned(b, (ulong)xml.Length);
        b.Add(xml);
    }

    // ---------------------------------------------------------------- decoding

    /// <summary>Reads and checks the archive preamble of a 1.00 feed; returns the short-info XML it carries.</summary>
    public string DecodeArchiveHeader(FeedReader r)
    {
        if (r.ReadByte() != PortableArchive.Magic) throw new InvalidDataException("the legacy feed does not start with the archive magic byte 0x7f");
        var version = PortableArchive.Read(r, 4);
        if (version > 100) throw new InvalidDataException($"the legacy archive version {version} is unknown");
        var len = PortableArchive.Read(r, 8);
        if (len > 1 << 24) throw new InvalidDataException($"the legacy archive announces a {len}-byte stream info");
        return r.ReadUtf8((int)len);
    }

    /// <summary>Decodes one sample into <paramref name="raw"/> (little endian) or <paramref name="strings"/>; returns its timestamp.</summary>
    public double Decode(FeedReader r, Span<byte> raw, Span<string> strings)
    {
        var ts = Protocol >= 110 ? Decode110(r, raw, strings) : Decode100(r, raw, strings);
        LastTimestamp = ts;
        return ts;
    }

    private double Decode110(FeedReader r, Span<byte> raw, Span<string> strings)
    {
        double ts;
        var tag = r.ReadByte();
        if (tag == TagDeduced) ts = LastTimestamp + _period;
        else
        {
            Span<byte> t = stackalloc byte[8];
            r.ReadExactly(t);
            ts = BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(t) : BinaryPrimitives.ReadDoubleLittleEndian(t);
        }
        if (IsString)
        {
            Span<byte> l = stackalloc byte[8];
            for (var k = 0; k < Channels; k++)
            {
                var w = r.ReadByte();
                if (w is not (1 or 2 or 4 or 8)) throw new InvalidDataException($"a string length prefix of width {w} (only 1, 2, 4 or 8 exist)");
                var lw = l[..w];
                r.ReadExactly(lw);
                ulong len = w switch
                {
                    1 => lw[0],
                    2 => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(lw) : BinaryPrimitives.ReadUInt16LittleEndian(lw),
                    4 => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(lw) : BinaryPrimitives.ReadUInt32LittleEndian(lw),
                    _ => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(lw) : BinaryPrimitives.ReadUInt64LittleEndian(lw),
                };
                strings[k] = ReadString(r, len);
            }
            return ts;
        }
        var dst = raw[..SampleBytes];
        r.ReadExactly(dst);
        if (BigEndian && ValueSize > 1)
            for (var o = 0; o < SampleBytes; o += ValueSize) dst.Slice(o, ValueSize).Reverse();
        if (SuppressSubnormals) FlushSubnormals(dst);
        return ts;
    }

    private double Decode100(FeedReader r, Span<byte> raw, Span<string> strings)
    {
        if (!_archiveHeaderDone)
        {
            if (r.ReadByte() != 0 || r.ReadByte() != 0) throw new InvalidDataException("the legacy feed lacks the class header before its first sample");
            _archiveHeaderDone = true;
        }
        var tag = PortableArchive.Read(r, 1);
        var ts = tag == TagDeduced ? LastTimestamp + _period : BitConverter.UInt64BitsToDouble(PortableArchive.Read(r, 8));
        for (var k = 0; k < Channels; k++)
        {
            switch (Format)
            {
                case ChannelFormat.String: strings[k] = ReadString(r, PortableArchive.Read(r, 8)); break;
                case ChannelFormat.Float32: BinaryPrimitives.WriteUInt32LittleEndian(raw[(4 * k)..], (uint)PortableArchive.Read(r, 4)); break;
                case ChannelFormat.Double64: BinaryPrimitives.WriteUInt64LittleEndian(raw[(8 * k)..], PortableArchive.Read(r, 8)); break;
                case ChannelFormat.Int32: BinaryPrimitives.WriteInt32LittleEndian(raw[(4 * k)..], (int)PortableArchive.Read(r, 4)); break;
                case ChannelFormat.Int16: BinaryPrimitives.WriteInt16LittleEndian(raw[(2 * k)..], (short)PortableArchive.Read(r, 2)); break;
                case ChannelFormat.Int8: raw[k] = (byte)PortableArchive.Read(r, 1); break;
                case ChannelFormat.Int64: BinaryPrimitives.WriteUInt64LittleEndian(raw[(8 * k)..], PortableArchive.Read(r, 8)); break;
            }
        }
        return ts;
    }

    private string ReadString(FeedReader r, ulong len)
    {
        if (len > (ulong)MaxStringLength) throw new InvalidDataException($"a {len}-byte string exceeds the limit of {MaxStringLength} bytes");
        return r.ReadUtf8((int)len);
    }

    private void FlushSubnormals(Span<byte> raw)
    {
        for (var o = 0; o < raw.Length; o += ValueSize)
        {
            if (Format == ChannelFormat.Float32)
            {
                var v = BinaryPrimitives.ReadSingleLittleEndian(raw[o..]);
                if (float.IsSubnormal(v)) BinaryPrimitives.WriteSingleLittleEndian(raw[o..], float.IsNegative(v) ? -0f : 0f);
            }
            else
            {
                var v = BinaryPrimitives.ReadDoubleLittleEndian(raw[o..]);
                if (double.IsSubnormal(v)) BinaryPrimitives.WriteDoubleLittleEndian(raw[o..], double.IsNegative(v) ? -0d : 0d);
            }
        }
    }

    // ---------------------------------------------------------------- test patterns

    /// <summary>Fills the test-pattern sample with offset 4 (first) or 2 (second), as liblsl defines it.</summary>
    public static void FillTestPattern(ChannelFormat format, int channels, int offset, Span<byte> raw, Span<string> strings)
    {
        for (var k = 0; k < channels; k++)
        {
            var sign = k % 2 == 0 ? 1 : -1;
            switch (format)
            {
                case ChannelFormat.Float32: BinaryPrimitives.WriteSingleLittleEndian(raw[(4 * k)..], (k + offset) * sign); break;
                case ChannelFormat.Double64: BinaryPrimitives.WriteDoubleLittleEndian(raw[(8 * k)..], (k + offset + 16777217.0) * sign); break;
                case ChannelFormat.Int32: BinaryPrimitives.WriteInt32LittleEndian(raw[(4 * k)..], (int)((k + offset + 65537L) % 2147483647) * sign); break;
                case ChannelFormat.Int16: BinaryPrimitives.WriteInt16LittleEndian(raw[(2 * k)..], (short)((k + offset + 257) % 32767 * sign)); break;
                case ChannelFormat.Int8: raw[k] = (byte)(sbyte)((k + offset + 1) % 127 * sign); break;
                case ChannelFormat.Int64: BinaryPrimitives.WriteInt64LittleEndian(raw[(8 * k)..], (k + offset + 2147483649L) * sign); break;
                case ChannelFormat.String: strings[k] = ((k + 10) * sign).ToString(System.Globalization.CultureInfo.InvariantCulture); break;
            }
        }
    }

    /// <summary>Encodes both test-pattern samples.</summary>
    public void EncodeTestPatterns(ByteBuffer b)
    {
        var raw = new byte[Math.Max(1, SampleBytes)];
        var strings = new string[Channels];
        foreach (var offset in new[] { 4, 2 })
        {
            FillTestPattern(Format, Channels, offset, raw, strings);
            Encode(b, TestPatternTimestamp, deduced: false, raw, strings);
        }
    }

    /// <summary>Decodes both test-pattern samples and throws when either differs from the expected values.</summary>
    public void VerifyTestPatterns(FeedReader r)
    {
        var raw = new byte[Math.Max(1, SampleBytes)];
        var expected = new byte[Math.Max(1, SampleBytes)];
        var strings = new string[Channels];
        var expectedStrings = new string[Channels];
        foreach (var offset in new[] { 4, 2 })
        {
            FillTestPattern(Format, Channels, offset, expected, expectedStrings);
            var ts = Decode(r, raw, strings);
            if (ts != TestPatternTimestamp) throw new InvalidDataException($"test pattern {(offset == 4 ? 1 : 2)} carries timestamp {ts} instead of 123456.789");
            var same = IsString ? strings.AsSpan().SequenceEqual(expectedStrings) : raw.AsSpan().SequenceEqual(expected);
            if (!same) throw new InvalidDataException($"test pattern {(offset == 4 ? 1 : 2)} has the wrong values (byte order or format mismatch)");
        }
        LastTimestamp = 0;
    }
}
