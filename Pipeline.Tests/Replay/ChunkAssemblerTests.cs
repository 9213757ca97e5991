using CsCheck;
using Pipeline.Core.Signals;
using Pipeline.Sources.Replay;

namespace Pipeline.Tests.Replay;

/// <summary>Blocks as files store them (XDF chunks, EDF records) cut into fixed-size chunks.</summary>
public sealed class ChunkAssemblerTests
{
    [Fact]
    public void Any_blocks_give_full_chunks_of_the_same_frames_in_order_and_a_partial_last_one()
    {
        Gen.Int[1, 50].SelectMany(size => Gen.Int[0, 40].Array[0, 30].Select(blocks => (size, blocks))).Sample(c =>
        {
            var (size, blocks) = c;
            var d = new StreamDescription("s", "EEG", ["a", "b"], 100);
            var assembler = new ChunkAssembler(d, size);
            var frame = 0;
            var seen = new List<(float A, float B, double T)>();
            var chunkSizes = new List<int>();
            void Take(SignalChunk chunk)
            {
                chunkSizes.Add(chunk.Frames);
                for (var i = 0; i < chunk.Frames; i++) seen.Add((chunk.Frame(i)[0], chunk.Frame(i)[1], chunk.Timestamps[i]));
            }
            foreach (var n in blocks)
            {
                var values = new float[n * 2];
                var stamps = new double[n];
                for (var i = 0; i < n; i++) { values[2 * i] = frame + i; values[2 * i + 1] = -(frame + i); stamps[i] = (frame + i) / 100.0; }
                frame += n;
                for (var k = 0; k < n;)
                {
                    k += assembler.Append(values.AsSpan(k * 2), stamps.AsSpan(k));
                    if (assembler.IsFull) Take(assembler.Chunk);
                }
            }
            if (assembler.Flush() is { } last) Take(last);
            Assert.Equal(frame, seen.Count);
            for (var i = 0; i < frame; i++) Assert.Equal((i, -i, i / 100.0), ((int)seen[i].A, (int)seen[i].B, seen[i].T));
            // Every chunk but the last is full; the last holds the rest.
            Assert.All(chunkSizes.Take(Math.Max(0, chunkSizes.Count - 1)), s => Assert.Equal(size, s));
            if (chunkSizes.Count > 0) Assert.Equal(frame - size * (chunkSizes.Count - 1), chunkSizes[^1]);
            Assert.Null(assembler.Flush());
        });
    }
}
