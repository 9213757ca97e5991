using System.Buffers.Binary;
using CsCheck;
using Pipeline.Lsl;
using Pipeline.Lsl.Xdf;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Xdf;

public sealed class XdfRobustnessTests
{
    /// <summary>Reads everything; returns null when the reader refused the input as not XDF.</summary>
    private static XdfFile? TryLoad(byte[] bytes)
    {
        try
        {
            return XdfFile.Load(XdfReader.Open(bytes), applyClockOffsets: true);
        }
        catch (XdfFormatException)
        {
            return null;
        }
    }

    private static void WithinTimeout(Action action, int seconds = 120)
    {
        var task = Task.Run(action);
        Assert.True(task.Wait(TimeSpan.FromSeconds(seconds)), $"reading did not finish within {seconds} s");
    }

    [Fact]
    public void Missing_empty_and_foreign_files_throw_one_clear_exception()
    {
        var missing = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.xdf");
        var e = Assert.Throws<XdfFormatException>(() => XdfReader.Open(missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("empty", Assert.Throws<XdfFormatException>(() => XdfReader.Open([])).Message);
        Assert.Contains("XDF:", Assert.Throws<XdfFormatException>(() => XdfReader.Open("RIFF0000WAVE"u8.ToArray())).Message);
        Assert.Throws<XdfFormatException>(() => XdfReader.Open("XD"u8.ToArray()));
    }

    [SharedDataTheory]
    [InlineData("chunk_length_lie.xdf")]
    [InlineData("out_of_order_clock_offsets.xdf")]
    [InlineData("out_of_order_sample_chunk.xdf")]
    public void Fuzz_found_files_and_every_prefix_of_them_read_without_crashing(string name)
    {
        var bytes = File.ReadAllBytes(SharedData.File("xdf", "fuzz", name));
        WithinTimeout(() =>
        {
            for (var cut = 0; cut <= bytes.Length; cut++) TryLoad(bytes[..cut]);
        });
        var whole = TryLoad(bytes);
        Assert.NotNull(whole);
    }

    [SharedDataFact]
    public void Chunk_length_lie_is_reported_not_trusted()
    {
        var file = XdfFile.Load(SharedData.File("xdf", "fuzz", "chunk_length_lie.xdf"));
        Assert.NotEmpty(file.Warnings);
    }

    [SharedDataFact]
    public void Minimal_cut_at_every_byte_gives_a_prefix_of_the_full_result()
    {
        var bytes = File.ReadAllBytes(SharedData.File("xdf", "minimal.xdf"));
        var full = XdfFile.Load(XdfReader.Open(bytes), applyClockOffsets: false);
        var partial = 0;
        WithinTimeout(() =>
        {
            for (var cut = 0; cut <= bytes.Length; cut++)
            {
                XdfFile? file;
                try { file = XdfFile.Load(XdfReader.Open(bytes[..cut]), applyClockOffsets: false); }
                catch (XdfFormatException) { Assert.True(cut < 4, $"a cut at {cut} bytes still starts with XDF: and must not throw"); continue; }
                partial++;
                foreach (var s in file.Streams)
                {
                    var f = full.FindStream(s.Stream.Id)!;
                    Assert.True(s.Count <= f.Count);
                    Assert.Equal(f.Timestamps[..s.Count], s.Timestamps);
                    Assert.Equal(f.Values[..s.Values.Length], s.Values);
                    Assert.Equal(f.Strings[..s.Strings.Length], s.Strings);
                }
            }
        });
        Assert.Equal(bytes.Length - 3, partial);
    }

    [SharedDataFact]
    public void Clock_resets_cut_mid_file_keeps_what_came_before()
    {
        var bytes = File.ReadAllBytes(SharedData.File("xdf", "clock_resets.xdf"));
        var full = XdfFile.Load(XdfReader.Open(bytes), applyClockOffsets: false).Streams[1];
        var random = new Random(7);
        WithinTimeout(() =>
        {
            for (var i = 0; i < 12; i++)
            {
                var cut = random.Next(4, bytes.Length);
                var eeg = XdfFile.Load(XdfReader.Open(bytes[..cut]), applyClockOffsets: false).FindStream(2);
                if (eeg is null) continue;
                Assert.Equal(full.Timestamps[..eeg.Count], eeg.Timestamps);
                Assert.Equal(full.Values[..eeg.Values.Length], eeg.Values);
            }
        });
    }

    [SharedDataFact]
    public void Random_byte_damage_never_escapes_as_another_exception()
    {
        var bytes = File.ReadAllBytes(SharedData.File("xdf", "minimal.xdf"));
        WithinTimeout(() =>
            Gen.Select(Gen.Int[4, bytes.Length - 1].Array[1, 8], Gen.Byte.Array[8])
                .Sample((positions, values) =>
                {
                    var damaged = (byte[])bytes.Clone();
                    for (var i = 0; i < positions.Length; i++) damaged[positions[i]] = values[i];
                    TryLoad(damaged);
                }, iter: 2000));
    }

    [Fact]
    public void A_damaged_chunk_is_skipped_up_to_the_next_boundary()
    {
        var info = new StreamInfo { Name = "x", ChannelCount = 1, ChannelFormat = ChannelFormat.Int16, NominalSrate = 0 };
        using var memory = new MemoryStream();
        long damageAt;
        using (var writer = new XdfWriter(memory, leaveOpen: true))
        {
            writer.WriteStreamHeader(1, info);
            writer.WriteSamples(1, [1.0], [10f]);
            damageAt = memory.Position;
            writer.WriteSamples(1, [2.0], [20f]);
            writer.WriteSamples(1, [3.0], [30f]);
            writer.WriteBoundary();
            writer.WriteSamples(1, [4.0], [40f]);
        }
        var bytes = memory.ToArray();
        bytes[damageAt] = 3; // an impossible length width
        var file = XdfFile.Load(XdfReader.Open(bytes));
        Assert.Equal([1.0, 4.0], file.Streams[0].Timestamps);
        Assert.Equal([10f, 40f], file.Streams[0].Values);
        Assert.Contains(file.Warnings, w => w.Contains($"byte {damageAt}") && w.Contains("boundary"));
    }

    [Fact]
    public void A_lying_sample_count_does_not_allocate_what_it_claims()
    {
        var info = new StreamInfo { Name = "x", ChannelCount = 64, ChannelFormat = ChannelFormat.Double64, NominalSrate = 1000 };
        using var memory = new MemoryStream();
        long chunkAt;
        using (var writer = new XdfWriter(memory, leaveOpen: true))
        {
            writer.WriteStreamHeader(7, info);
            chunkAt = memory.Position;
            writer.WriteSamples(7, [1.0], new double[64]);
        }
        var bytes = memory.ToArray();
        // Samples chunk: width 4 length (5 bytes) + tag (2) + id (4) + count width byte, then the count.
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)chunkAt + 12), uint.MaxValue);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var file = XdfFile.Load(XdfReader.Open(bytes));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4 << 20, $"reading allocated {allocated} bytes");
        Assert.Equal(1, file.Streams[0].Count);
        Assert.Contains(file.Warnings, w => w.Contains("declares 4294967295 samples"));
    }

    [Fact]
    public void Samples_before_their_header_and_unknown_tags_are_skipped()
    {
        using var memory = new MemoryStream();
        using (var writer = new XdfWriter(memory, leaveOpen: true))
        {
            writer.WriteStreamHeader(1, new StreamInfo { Name = "a", ChannelCount = 1, ChannelFormat = ChannelFormat.Float32 });
            writer.WriteSamples(1, [1.0], [1f]);
        }
        // A Samples chunk of stream 9 (never declared) and a chunk with the unknown tag 42.
        memory.Write([0x01, 2 + 4 + 2 + 1 + 8 + 4, 0x03, 0x00, 9, 0, 0, 0, 1, 1, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        memory.Write([0x01, 5, 42, 0, 1, 2, 3]);
        var bytes = memory.ToArray();
        var file = XdfFile.Load(XdfReader.Open(bytes));
        Assert.Single(file.Streams);
        Assert.Equal([1f], file.Streams[0].Values);
        Assert.Contains(file.Warnings, w => w.Contains("stream 9"));
        Assert.Contains(file.Warnings, w => w.Contains("tag 42"));
    }
}
