using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Lsl.Xdf;

/// <summary>Decodes the payload of one Samples chunk, trusting no count or length in it.</summary>
internal static class XdfSampleDecoder
{
    /// <summary>Reads a varlen integer (width byte 1, 4 or 8, then that many little-endian bytes).</summary>
    public static bool TryReadVarLen(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        if (position >= data.Length) return false;
        int width = data[position];
        if (width is not (1 or 4 or 8) || data.Length - position - 1 < width) return false;
        var bytes = data.Slice(position + 1, width);
        value = width switch
        {
            1 => bytes[0],
            4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        };
        position += 1 + width;
        return true;
    }

    /// <summary>
    /// The declared sample count, capped by what the payload can hold at the smallest possible sample size
    /// (so a lying count never allocates more than the chunk's own size).
    /// </summary>
    public static long CappedCount(ulong declared, long bytesLeft, StreamInfo header)
    {
        var minimum = MinimumSampleSize(header);
        var most = Math.Max(0, bytesLeft) / minimum;
        return declared > (ulong)most ? most : (long)declared;
    }

    private static long MinimumSampleSize(StreamInfo header) =>
        1 + (header.ChannelFormat == ChannelFormat.String
            ? 2L * header.ChannelCount
            : (long)header.ChannelCount * header.ChannelFormat.ValueSize());

    /// <summary>
    /// Decodes a Samples payload (after the StreamId). <paramref name="previous"/> carries the stream's last
    /// timestamp across chunks (for omitted timestamps). Returns the frames that decoded completely; a problem is
    /// reported through <paramref name="problem"/> as the middle of a sentence.
    /// </summary>
    public static XdfSampleChunk? Decode(ReadOnlySpan<byte> payload, XdfStream stream, long fileOffset,
        ref double previous, ClockSync? sync, out string? problem)
    {
        problem = null;
        var header = stream.Header;
        var position = 0;
        if (!TryReadVarLen(payload, ref position, out var declared))
        {
            problem = "has an unreadable sample count";
            return null;
        }
        var count = (int)Math.Min(int.MaxValue, CappedCount(declared, payload.Length - position, header));
        if ((ulong)count < declared) problem = $"declares {declared} samples but its bytes hold at most {count}";
        var channels = header.ChannelCount;
        var format = header.ChannelFormat;
        var size = format.ValueSize();
        // Per-sample increment of omitted timestamps; the same expression as the writer's so both agree exactly.
        var srate = header.NominalSrate;
        var timestamps = new double[count];
        float[]? values = format == ChannelFormat.String ? null : new float[(long)count * channels];
        double[]? values64 = format is ChannelFormat.Double64 or ChannelFormat.Int32 or ChannelFormat.Int64
            ? new double[(long)count * channels] : null;
        string[]? strings = format == ChannelFormat.String ? new string[(long)count * channels] : null;
        long[]? int64 = format == ChannelFormat.Int64 ? new long[(long)count * channels] : null;
        var decoded = 0;
        for (; decoded < count; decoded++)
        {
            if (position >= payload.Length) { problem ??= "ends before its last sample"; break; }
            var stampBytes = payload[position++];
            double stamp;
            if (stampBytes == 8)
            {
                if (payload.Length - position < 8) { problem ??= "ends inside a timestamp"; break; }
                stamp = BinaryPrimitives.ReadDoubleLittleEndian(payload.Slice(position, 8));
                position += 8;
            }
            else if (stampBytes == 0)
            {
                stamp = srate > 0 ? previous + 1.0 / srate : previous;
            }
            else { problem ??= $"has a timestamp size byte of {stampBytes} (must be 0 or 8)"; break; }

            var frame = (long)decoded * channels;
            if (strings is not null)
            {
                var ok = true;
                for (var c = 0; c < channels; c++)
                {
                    if (!TryReadVarLen(payload, ref position, out var length) || length > (ulong)(payload.Length - position))
                    {
                        ok = false;
                        break;
                    }
                    strings[frame + c] = Encoding.UTF8.GetString(payload.Slice(position, (int)length));
                    position += (int)length;
                }
                if (!ok) { problem ??= "has a string value whose length is unreadable or runs past the chunk"; break; }
            }
            else
            {
                if (payload.Length - position < (long)size * channels) { problem ??= "ends inside a sample's values"; break; }
                ReadNumbers(payload.Slice(position, size * channels), format, values!.AsSpan((int)frame, channels),
                    values64 is null ? default : values64.AsSpan((int)frame, channels));
                if (int64 is not null)
                    for (var c = 0; c < channels; c++) int64[frame + c] = BinaryPrimitives.ReadInt64LittleEndian(payload.Slice(position + 8 * c, 8));
                position += size * channels;
            }
            timestamps[decoded] = sync is null ? stamp : sync.Map(stamp);
            previous = stamp;
        }
        if (problem is null && position != payload.Length) problem = $"has {payload.Length - position} bytes left over after its samples";
        if (decoded == 0) return null;
        if (decoded < count)
        {
            Array.Resize(ref timestamps, decoded);
            if (values is not null) Array.Resize(ref values, decoded * channels);
            if (values64 is not null) Array.Resize(ref values64, decoded * channels);
            if (strings is not null) Array.Resize(ref strings, decoded * channels);
            if (int64 is not null) Array.Resize(ref int64, decoded * channels);
        }
        return new XdfSampleChunk
        {
            StreamIndex = stream.Index,
            StreamId = stream.Id,
            Format = format,
            ChannelCount = channels,
            Timestamps = timestamps,
            Values = values,
            Values64 = values64,
            Int64Values = int64,
            Strings = strings,
            FileOffset = fileOffset,
        };
    }

    private static void ReadNumbers(ReadOnlySpan<byte> bytes, ChannelFormat format, Span<float> values, Span<double> values64)
    {
        for (var c = 0; c < values.Length; c++)
        {
            switch (format)
            {
                case ChannelFormat.Float32:
                    values[c] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(c * 4));
                    break;
                case ChannelFormat.Double64:
                    values64[c] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(c * 8));
                    values[c] = (float)values64[c];
                    break;
                case ChannelFormat.Int8:
                    values[c] = (sbyte)bytes[c];
                    break;
                case ChannelFormat.Int16:
                    values[c] = BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(c * 2));
                    break;
                case ChannelFormat.Int32:
                    values64[c] = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(c * 4));
                    values[c] = (float)values64[c];
                    break;
                case ChannelFormat.Int64:
                    values64[c] = BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice(c * 8));
                    values[c] = (float)values64[c];
                    break;
            }
        }
    }
}
