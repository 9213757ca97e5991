using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Pipeline.Sources.Replay;
using Pipeline.Tests.Infrastructure;
using Xunit.Abstractions;
using static Pipeline.Tests.Fuzz.InputMutator;

namespace Pipeline.Tests.Fuzz;

/// <summary>
/// The fuzz pass (three classes, so that xunit runs them side by side): every reader (XDF, EDF, BDF, GDF, WAV, model
/// card JSON, service configuration JSON) is fed 1,000 seeded mutations of real inputs. Each input must end in a
/// result (clean, or partial with the damage reported) or a clear error (our exception, one line); no other exception
/// may escape, no input may take longer than the per-input timeout, and none may allocate more than 1 GB. The class
/// counts are printed.
/// </summary>
public abstract class ReaderFuzzTests(ITestOutputHelper output) : IDisposable
{
    protected const int Inputs = 1000;
    private static readonly TimeSpan PerInputTimeout = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-fuzz-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    // ---------------------------------------------------------------- running

    private protected FuzzReport RunFiles(string reader, string extension, List<byte[]> seeds, Func<byte[], IReadOnlyList<HeaderField>> fields,
        int seed, Func<string, FuzzOutcome> read, bool xdfHeaders = false)
    {
        var mutator = new InputMutator(seed);
        var seedFields = seeds.Select(fields).ToList();
        using var harness = new FuzzHarness(PerInputTimeout);
        var report = harness.Run(reader, Inputs, i =>
        {
            var k = i % seeds.Count;
            var (bytes, what) = xdfHeaders && mutator.Random.Next(4) == 0
                ? MutateXdfHeader(seeds[k], mutator)
                : mutator.Mutate(seeds[k], seedFields[k]);
            var path = Path.Combine(_dir, $"{i}{extension}");
            File.WriteAllBytes(path, bytes);
            return (path, $"seed {k}: {what}", bytes.LongLength);
        }, path =>
        {
            try { return read(path); }
            finally { File.Delete(path); }
        });
        return Check(report);
    }

    protected void RunJson(string reader, List<string> seeds, int seed, Func<string, FuzzOutcome> read)
    {
        var mutator = new InputMutator(seed);
        using var harness = new FuzzHarness(PerInputTimeout);
        var report = harness.Run(reader, Inputs, i =>
        {
            var (json, what) = mutator.MutateJson(seeds[i % seeds.Count]);
            return (json, what, (long)json.Length);
        }, read);
        Check(report);
    }

    private FuzzReport Check(FuzzReport report)
    {
        output.WriteLine(report.ToString());
        foreach (var bad in report.BadInputs) output.WriteLine("  " + bad);
        Assert.True(report.Total >= Inputs, report.ToString());
        Assert.True(report.Bad == 0, report + Environment.NewLine + string.Join(Environment.NewLine, report.BadInputs));
        // A fuzz pass that never gets past the header, or never refuses anything, is not testing the reader.
        Assert.True(report[FuzzOutcome.ClearError] > 0, report.ToString());
        Assert.True(report[FuzzOutcome.Clean] + report[FuzzOutcome.Partial] > 0, report.ToString());
        return report;
    }

    /// <summary>Opens a recording, reads every signal stream to the end and its cue markers; partial when damage was reported.</summary>
    protected static FuzzOutcome ReadRecording(string path)
    {
        using var recording = Recording.Open(path);
        long frames = 0;
        foreach (var stream in recording.SignalStreams)
            foreach (var chunk in recording.ReadChunks(stream.Index, 512))
                frames += chunk.Frames;
        Assert.True(frames >= 0);
        _ = recording.CueMarkers.Count;
        return recording.Warnings.Count > 0 ? FuzzOutcome.Partial : FuzzOutcome.Clean;
    }

    // ---------------------------------------------------------------- seeds and their header fields

    /// <summary>The first whole chunks of an XDF file up to about <paramref name="bytes"/> bytes (a real file, shorter).</summary>
    protected static byte[] CutXdf(byte[] file, int bytes)
    {
        var end = 4L;
        foreach (var (start, length) in XdfChunks(file))
        {
            if (start + length > bytes) break;
            end = start + length;
        }
        return file[..(int)end];
    }

    /// <summary>The chunks of an XDF file: (start, total length including the length field and tag).</summary>
    private static IEnumerable<(int Start, int Length)> XdfChunks(byte[] file)
    {
        var p = 4;
        while (p < file.Length)
        {
            int width = file[p];
            if (width is not (1 or 4 or 8) || p + 1 + width > file.Length) yield break;
            var length = width switch { 1 => file[p + 1], 4 => BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(p + 1)), _ => (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(p + 1)) };
            var total = 1 + width + length;
            if (length < 2 || p + total > file.Length) yield break;
            yield return (p, (int)total);
            p += (int)total;
        }
    }

    private protected static IReadOnlyList<HeaderField> XdfFields(byte[] file)
    {
        var fields = new List<HeaderField>();
        foreach (var (start, _) in XdfChunks(file))
        {
            int width = file[start];
            fields.Add(new("chunk length", start + 1, width, width switch { 1 => FieldKind.Byte, 4 => FieldKind.Int32, _ => FieldKind.Int64 }));
            var tag = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(start + 1 + width));
            var content = start + 1 + width + 2;
            if (tag == 3 && content + 5 < file.Length)
            {
                int countWidth = file[content + 4];
                if (countWidth is 4 or 8) fields.Add(new("sample count", content + 5, countWidth, countWidth == 4 ? FieldKind.Int32 : FieldKind.Int64));
                fields.Add(new("first timestamp", content + 6 + countWidth, 8, FieldKind.Float64));
            }
            if (tag == 6) fields.Add(new("clock offset", content + 4, 8, FieldKind.Float64));
        }
        return fields.Take(400).ToList();
    }

    /// <summary>Rewrites one StreamHeader's channel_count, nominal_srate or channel_format with an absurd value (the chunk's length follows).</summary>
    private static (byte[], string) MutateXdfHeader(byte[] file, InputMutator m)
    {
        var headers = XdfChunks(file).Where(c => BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(c.Start + 1 + file[c.Start])) == 2).ToList();
        if (headers.Count == 0) return (file, "no header");
        var (start, length) = headers[m.Random.Next(headers.Count)];
        int width = file[start];
        var content = start + 1 + width + 2;
        if (start + length - content < 4) return (file, "header without a stream id");
        var xml = Encoding.UTF8.GetString(file, content + 4, start + length - content - 4);
        var field = new[] { "channel_count", "nominal_srate", "channel_format" }[m.Random.Next(3)];
        var value = field == "channel_format"
            ? new[] { "float32", "double64", "string", "int64", "int8", "bogus", "" }[m.Random.Next(7)]
            : m.Random.Next(2) == 0 ? AbsurdTexts[m.Random.Next(AbsurdTexts.Length)] : AbsurdIntegers[m.Random.Next(AbsurdIntegers.Length)].ToString(CultureInfo.InvariantCulture);
        var open = $"<{field}>";
        var at = xml.IndexOf(open, StringComparison.Ordinal);
        var close = xml.IndexOf($"</{field}>", StringComparison.Ordinal);
        if (at < 0 || close < at) return (file, "header without " + field);
        xml = xml[..(at + open.Length)] + value + xml[close..];
        var payload = Encoding.UTF8.GetBytes(xml);
        var chunk = new byte[1 + 8 + 2 + 4 + payload.Length];
        chunk[0] = 8;
        BinaryPrimitives.WriteUInt64LittleEndian(chunk.AsSpan(1), (ulong)(2 + 4 + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(chunk.AsSpan(9), 2);
        file.AsSpan(content, 4).CopyTo(chunk.AsSpan(11));
        payload.CopyTo(chunk, 15);
        return ([.. file[..start], .. chunk, .. file[(start + length)..]], $"{field} = '{value}'");
    }

    /// <summary>An EDF/BDF file cut to its first <paramref name="records"/> records, the record count field set to match.</summary>
    protected static byte[] CutRecords(byte[] file, int records, int bytesPerSample)
    {
        var ns = int.Parse(Encoding.ASCII.GetString(file, 252, 4).Trim(), CultureInfo.InvariantCulture);
        var headerBytes = 256 + 256 * ns;
        var recordBytes = 0;
        for (var i = 0; i < ns; i++)
            recordBytes += int.Parse(Encoding.ASCII.GetString(file, 256 + 216 * ns + 8 * i, 8).Trim(), CultureInfo.InvariantCulture) * bytesPerSample;
        var cut = file[..Math.Min(file.Length, headerBytes + records * recordBytes)];
        Encoding.ASCII.GetBytes(records.ToString(CultureInfo.InvariantCulture).PadRight(8)).CopyTo(cut, 236);
        return cut;
    }

    private protected static IReadOnlyList<HeaderField> EdfFields(byte[] file)
    {
        var fields = new List<HeaderField>
        {
            new("start date", 168, 8, FieldKind.AsciiNumber), new("start time", 176, 8, FieldKind.AsciiNumber),
            new("header bytes", 184, 8, FieldKind.AsciiNumber), new("reserved", 192, 5, FieldKind.AsciiNumber),
            new("records", 236, 8, FieldKind.AsciiNumber), new("duration", 244, 8, FieldKind.AsciiNumber),
            new("signals", 252, 4, FieldKind.AsciiNumber),
        };
        if (!int.TryParse(Encoding.ASCII.GetString(file, 252, 4).Trim(), CultureInfo.InvariantCulture, out var ns)) return fields;
        foreach (var (name, at) in new[] { ("physical min", 104), ("physical max", 112), ("digital min", 120), ("digital max", 128), ("samples per record", 216) })
            for (var i = 0; i < ns; i++) fields.Add(new($"{name} {i}", 256 + at * ns + 8 * i, 8, FieldKind.AsciiNumber));
        // TAL onsets of EDF+ annotations: "+<onset>" up to the 0x14 or 0x15 after it.
        var data = 256 + 256 * ns;
        for (var p = data; p < file.Length - 2 && fields.Count < 600; p++)
        {
            if (file[p] != (byte)'+' || (p > data && file[p - 1] != 0 && file[p - 1] != 0x14)) continue;
            var end = Array.FindIndex(file, p, Math.Min(32, file.Length - p), b => b is 0x14 or 0x15);
            if (end > p + 1) fields.Add(new("TAL onset", p, end - p, FieldKind.AsciiNumber));
        }
        return fields;
    }

    /// <summary>A GDF file cut to its first <paramref name="records"/> records with its event table kept after them.</summary>
    protected static byte[] CutGdf(string path, int records)
    {
        var file = File.ReadAllBytes(path);
        using var gdf = Pipeline.Sources.Gdf.GdfFile.Open(path);
        var dataEnd = gdf.HeaderBytes + (long)gdf.RecordCount * gdf.RecordBytes;
        var keep = gdf.HeaderBytes + (long)records * gdf.RecordBytes;
        var cut = file[..(int)keep].Concat(file[(int)dataEnd..]).ToArray();
        BinaryPrimitives.WriteInt64LittleEndian(cut.AsSpan(236), records);
        return cut;
    }

    private protected static IReadOnlyList<HeaderField> GdfFields(byte[] file)
    {
        var v2 = file[4] == (byte)'2';
        var ns = v2 ? BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(252)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(252));
        var fields = new List<HeaderField>
        {
            new("header length", 184, v2 ? 2 : 8, v2 ? FieldKind.Int16 : FieldKind.Int64), new("records", 236, 8, FieldKind.Int64),
            new("duration numerator", 244, 4, FieldKind.Int32), new("duration denominator", 248, 4, FieldKind.Int32),
            new("signals", 252, v2 ? 2 : 4, v2 ? FieldKind.Int16 : FieldKind.Int32), new("start", 168, 8, FieldKind.Int64),
        };
        for (var i = 0; i < ns && i < 64; i++)
        {
            fields.Add(new($"physical min {i}", 256 + 104 * ns + 8 * i, 8, FieldKind.Float64));
            fields.Add(new($"physical max {i}", 256 + 112 * ns + 8 * i, 8, FieldKind.Float64));
            fields.Add(new($"digital min {i}", 256 + 120 * ns + 8 * i, 8, v2 ? FieldKind.Float64 : FieldKind.Int64));
            fields.Add(new($"digital max {i}", 256 + 128 * ns + 8 * i, 8, v2 ? FieldKind.Float64 : FieldKind.Int64));
            fields.Add(new($"samples per record {i}", 256 + 216 * ns + 4 * i, 4, FieldKind.Int32));
            fields.Add(new($"type {i}", 256 + 220 * ns + 4 * i, 4, FieldKind.Int32));
        }
        var headerBytes = v2 ? BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(184)) * 256L : BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(184));
        var records = BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(236));
        var recordBytes = 0L;
        for (var i = 0; i < ns; i++)
        {
            var spr = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)(256 + 216 * ns + 4 * i)));
            var type = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)(256 + 220 * ns + 4 * i)));
            recordBytes += spr * (type switch { 1 or 2 => 1, 3 or 4 => 2, 5 or 6 or 16 => 4, _ => 8 });
        }
        var events = headerBytes + records * recordBytes;
        if (events + 8 <= file.Length)
        {
            fields.Add(new("event mode", (int)events, 1, FieldKind.Byte));
            fields.Add(new("event count or rate", (int)events + 1, 3, FieldKind.UInt24));
            fields.Add(new("event rate or count", (int)events + 4, 4, v2 ? FieldKind.Float32 : FieldKind.Int32));
        }
        return fields;
    }

    private protected static IReadOnlyList<HeaderField> WavFields(byte[] file)
    {
        var fields = new List<HeaderField> { new("riff size", 4, 4, FieldKind.Int32) };
        var p = 12;
        while (p + 8 <= file.Length)
        {
            var size = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(p + 4)), int.MaxValue);
            fields.Add(new("chunk size", p + 4, 4, FieldKind.Int32));
            if (file.AsSpan(p, 4).SequenceEqual("fmt "u8))
            {
                fields.Add(new("format tag", p + 8, 2, FieldKind.Int16));
                fields.Add(new("channels", p + 10, 2, FieldKind.Int16));
                fields.Add(new("rate", p + 12, 4, FieldKind.Int32));
                fields.Add(new("byte rate", p + 16, 4, FieldKind.Int32));
                fields.Add(new("block align", p + 20, 2, FieldKind.Int16));
                fields.Add(new("bits", p + 22, 2, FieldKind.Int16));
            }
            if (file.AsSpan(p, 4).SequenceEqual("data"u8)) break;
            p += 8 + size + (size & 1);
        }
        return fields;
    }
}
