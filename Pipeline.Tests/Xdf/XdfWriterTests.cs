using System.Buffers.Binary;
using System.Text;
using CsCheck;
using Pipeline.Lsl;
using Pipeline.Lsl.Xdf;

namespace Pipeline.Tests.Xdf;

public sealed class XdfWriterTests
{
    private static readonly ChannelFormat[] Formats =
        [ChannelFormat.Float32, ChannelFormat.Double64, ChannelFormat.String, ChannelFormat.Int32, ChannelFormat.Int16, ChannelFormat.Int8, ChannelFormat.Int64];

    /// <summary>(tag, content) of every chunk, and the width byte of each chunk's length.</summary>
    private static List<(ushort Tag, byte Width, byte[] Content)> Chunks(byte[] file)
    {
        var chunks = new List<(ushort, byte, byte[])>();
        var p = 4;
        while (p < file.Length)
        {
            var width = file[p];
            var length = width switch
            {
                1 => file[p + 1],
                4 => (long)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(p + 1)),
                _ => (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(p + 1)),
            };
            p += 1 + width;
            chunks.Add((BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(p)), width, file[(p + 2)..(int)(p + length)]));
            p += (int)length;
        }
        return chunks;
    }

    [Fact]
    public void Layout_follows_LabRecorder()
    {
        using var memory = new MemoryStream();
        using (var writer = new XdfWriter(memory, leaveOpen: true))
        {
            var info = new StreamInfo { Name = "eeg", Type = "EEG", ChannelCount = 2, ChannelFormat = ChannelFormat.Float32, NominalSrate = 100 };
            writer.WriteStreamHeader(1, info);
            writer.WriteSamples(1, [10.0], [1f, 2f]);
            writer.WriteSamples(1, [10.0 + 1.0 / 100, 10.5], [3f, 4f, 5f, 6f]);
            writer.WriteClockOffset(1, 11.0, 0.25);
            writer.WriteBoundary();
            writer.WriteSamples(1, Enumerable.Range(0, 40).Select(i => 20.0 + i * 0.013).ToArray(), new float[80]);
            writer.WriteStreamFooter(1);
        }
        var bytes = memory.ToArray();
        Assert.Equal("XDF:"u8.ToArray(), bytes[..4]);
        var chunks = Chunks(bytes);
        Assert.Equal(new ushort[] { 1, 2, 3, 3, 4, 5, 3, 6 }, chunks.Select(c => c.Tag));
        Assert.Equal(XdfWriter.FileHeaderXml, Encoding.UTF8.GetString(chunks[0].Content));
        Assert.Equal(1, chunks[0].Width);
        Assert.Equal(4, chunks[6].Width); // 40 x (9 + 8) bytes needs more than one length byte
        foreach (var samples in chunks.Where(c => c.Tag == 3))
            Assert.Equal(4, samples.Content[4]); // sample count width is always 4
        // Second chunk: the first stamp continues 10.0 by exactly 1/srate, so it is omitted; the next is not.
        var second = chunks[3].Content;
        Assert.Equal(0, second[9]);
        Assert.Equal(8, second[9 + 1 + 8]);
        Assert.Equal(20, chunks[4].Content.Length);
        Assert.Equal(XdfChunkTag.Boundary, (XdfChunkTag)chunks[5].Tag);
        Assert.Equal(16, chunks[5].Content.Length);
        var footer = XdfStreamFooter.Parse(Encoding.UTF8.GetString(chunks[7].Content[4..]));
        Assert.Equal((10.0, 20.0 + 39 * 0.013, 43L), (footer.FirstTimestamp!.Value, footer.LastTimestamp!.Value, footer.SampleCount!.Value));
        Assert.Equal([new XdfClockOffset(11.0, 0.25)], footer.ClockOffsets);
    }

    [Fact]
    public void Integer_formats_round_to_nearest_and_saturate()
    {
        using var memory = new MemoryStream();
        using (var writer = new XdfWriter(memory, leaveOpen: true))
        {
            writer.WriteStreamHeader(1, new StreamInfo { Name = "i8", ChannelCount = 5, ChannelFormat = ChannelFormat.Int8 });
            writer.WriteSamples(1, [1.0], [1.6f, -1.6f, 300f, -300f, float.NaN]);
            writer.WriteStreamHeader(2, new StreamInfo { Name = "i64", ChannelCount = 2, ChannelFormat = ChannelFormat.Int64 });
            writer.WriteSamples(2, [1.0], [1e30, -1e30]);
        }
        var file = XdfFile.Load(XdfReader.Open(memory.ToArray()));
        Assert.Equal([2f, -2f, 127f, -128f, 0f], file.Streams[0].Values);
        Assert.Equal([(double)long.MaxValue, (double)long.MinValue], file.Streams[1].Values64!);
    }

    [Fact]
    public void Misuse_is_refused_with_a_clear_message()
    {
        using var writer = new XdfWriter(new MemoryStream());
        Assert.Contains("WriteStreamHeader", Assert.Throws<ArgumentException>(() => writer.WriteSamples(3, [1.0], [1f])).Message);
        writer.WriteStreamHeader(3, new StreamInfo { Name = "a", ChannelCount = 2, ChannelFormat = ChannelFormat.Float32 });
        Assert.Contains("2 channels", Assert.Throws<ArgumentException>(() => writer.WriteSamples(3, [1.0], [1f])).Message);
        Assert.Throws<ArgumentException>(() => writer.WriteStreamHeader(3, new StreamInfo { Name = "b", ChannelCount = 1, ChannelFormat = ChannelFormat.Float32 }));
        Assert.Throws<ArgumentException>(() => writer.WriteStringSamples(3, [1.0], ["x", "y"]));
    }

    private sealed record PlannedStream(uint Id, ChannelFormat Format, int Channels, double Srate, bool Regular);

    [Fact]
    public void Write_then_read_gives_back_identical_values_and_timestamps()
    {
        var genStream = Gen.Select(Gen.Int[0, Formats.Length - 1], Gen.Int[1, 4], Gen.Int[0, 5].Select(i => new[] { 0.0, 1.0, 100.0, 250.0, 512.0, 1000.0 / 3 }[i]), Gen.Bool)
            .Select((f, c, r, regular) => (Format: Formats[f], Channels: c, Srate: r, Regular: regular));
        Gen.Select(genStream.Array[1, 4], Gen.Int)
            .Sample((streams, seed) => RoundTrip(streams, seed), iter: 150);
    }

    private static void RoundTrip((ChannelFormat Format, int Channels, double Srate, bool Regular)[] plan, int seed)
    {
        var random = new Random(seed);
        var streams = plan.Select((p, i) => new PlannedStream((uint)random.Next() ^ (uint)i, p.Format, p.Channels, p.Srate, p.Regular))
            .DistinctBy(s => s.Id).ToList();
        var stamps = streams.Select(_ => new List<double>()).ToList();
        var numbers = streams.Select(_ => new List<double>()).ToList();
        var texts = streams.Select(_ => new List<string>()).ToList();
        var offsets = streams.Select(_ => new List<XdfClockOffset>()).ToList();
        var clock = streams.Select(_ => random.NextDouble() * 1e5).ToList();
        var started = new bool[streams.Count];
        using var memory = new MemoryStream();
        using (var writer = new XdfWriter(memory, leaveOpen: true))
        {
            var steps = random.Next(1, 30);
            for (var step = 0; step < steps; step++)
            {
                var k = random.Next(streams.Count);
                var s = streams[k];
                if (!started[k])
                {
                    // Late headers: a stream may first appear after other streams' samples.
                    writer.WriteStreamHeader(s.Id, new StreamInfo { Name = $"s{k}", ChannelCount = s.Channels, ChannelFormat = s.Format, NominalSrate = s.Srate });
                    started[k] = true;
                }
                switch (random.Next(6))
                {
                    case 0:
                        var offset = new XdfClockOffset(clock[k], random.NextDouble() - 0.5);
                        offsets[k].Add(offset);
                        writer.WriteClockOffset(s.Id, offset.CollectionTime, offset.Value);
                        break;
                    case 1:
                        writer.WriteBoundary();
                        break;
                    default:
                        var n = random.Next(0, 25);
                        var ts = new double[n];
                        for (var i = 0; i < n; i++)
                        {
                            var step1 = s.Srate > 0 ? 1.0 / s.Srate : 0.01;
                            clock[k] = s.Regular ? clock[k] + step1 : clock[k] + step1 * (0.5 + random.NextDouble());
                            ts[i] = clock[k];
                        }
                        stamps[k].AddRange(ts);
                        if (s.Format == ChannelFormat.String)
                        {
                            var values = Enumerable.Range(0, n * s.Channels).Select(_ => RandomText(random)).ToArray();
                            texts[k].AddRange(values);
                            writer.WriteStringSamples(s.Id, ts, values);
                        }
                        else
                        {
                            var values = Enumerable.Range(0, n * s.Channels).Select(_ => RandomNumber(random, s.Format)).ToArray();
                            numbers[k].AddRange(values);
                            if (s.Format == ChannelFormat.Float32) writer.WriteSamples(s.Id, ts, values.Select(v => (float)v).ToArray());
                            else writer.WriteSamples(s.Id, ts, values);
                        }
                        break;
                }
            }
            for (var k = 0; k < streams.Count; k++) if (started[k]) writer.WriteStreamFooter(streams[k].Id);
        }

        var reader = XdfReader.Open(memory.ToArray());
        Assert.Empty(reader.Warnings);
        var raw = XdfFile.Load(reader, applyClockOffsets: false);
        var synced = XdfFile.Load(reader);
        for (var k = 0; k < streams.Count; k++)
        {
            var read = raw.FindStream(streams[k].Id);
            if (!started[k]) { Assert.Null(read); continue; }
            Assert.NotNull(read);
            Assert.Equal(stamps[k], read.Timestamps);
            Assert.Equal(stamps[k].Count, read.Stream.SampleCount);
            Assert.Equal(offsets[k], read.Stream.ClockOffsets);
            Assert.Equal(stamps[k].Count, read.Stream.Footer!.SampleCount);
            switch (streams[k].Format)
            {
                case ChannelFormat.String: Assert.Equal(texts[k], read.Strings); break;
                case ChannelFormat.Float32 or ChannelFormat.Int8 or ChannelFormat.Int16:
                    Assert.Equal(numbers[k].Select(v => (float)v), read.Values);
                    break;
                default: Assert.Equal(numbers[k], read.Values64!); break;
            }
            var sync = ClockSync.Fit(offsets[k]);
            Assert.Equal(read.Timestamps.Select(sync.Map), synced.FindStream(streams[k].Id)!.Timestamps);
        }
    }

    private static double RandomNumber(Random random, ChannelFormat format) => format switch
    {
        ChannelFormat.Int8 => random.Next(sbyte.MinValue, sbyte.MaxValue + 1),
        ChannelFormat.Int16 => random.Next(short.MinValue, short.MaxValue + 1),
        ChannelFormat.Int32 => random.Next(int.MinValue, int.MaxValue),
        // Integers a double holds exactly, up to 2^53.
        ChannelFormat.Int64 => random.NextInt64(-(1L << 53), 1L << 53),
        ChannelFormat.Float32 => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 6))),
        _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300)),
    };

    private static string RandomText(Random random)
    {
        var length = random.Next(4) == 0 ? random.Next(200, 400) : random.Next(0, 12);
        const string alphabet = "abcXYZ 09<>&\"'{}é€😀\n";
        var sb = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var pick = random.Next(alphabet.Length - 1);
            // Keep surrogate pairs whole so every generated string is valid UTF-16.
            if (char.IsHighSurrogate(alphabet[pick])) sb.Append(alphabet, pick, 2);
            else if (!char.IsLowSurrogate(alphabet[pick])) sb.Append(alphabet[pick]);
        }
        return sb.ToString();
    }
}
