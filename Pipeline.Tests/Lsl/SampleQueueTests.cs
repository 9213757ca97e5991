using System.Buffers.Binary;
using CsCheck;
using Pipeline.Lsl;

namespace Pipeline.Tests.Lsl;

/// <summary>
/// The inlet's and the outlet clients' sample queue: oldest-dropped bounded FIFO whose memory follows what is queued.
/// Checked against a plain model queue on random interleavings, and with a real producer thread racing the consumer.
/// </summary>
public sealed class SampleQueueTests
{
    private const int Channels = 3;

    private static void Write(SampleQueue q, long index)
    {
        var slot = q.NextBytes();
        for (var c = 0; c < Channels; c++) BinaryPrimitives.WriteInt64LittleEndian(slot[(8 * c)..], index * 10 + c);
        q.Publish(index + 0.5, (byte)(index % 7));
    }

    /// <summary>Reads one sample and checks that its values, timestamp and flags all belong to the same index.</summary>
    private static long? Read(SampleQueue q)
    {
        var raw = new byte[8 * Channels];
        if (!q.TryRead(raw, default, out var ts, out var flags)) return null;
        var index = BinaryPrimitives.ReadInt64LittleEndian(raw) / 10;
        for (var c = 0; c < Channels; c++)
            Assert.Equal(index * 10 + c, BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(8 * c)));
        Assert.Equal(index + 0.5, ts);
        Assert.Equal((byte)(index % 7), flags);
        return index;
    }

    [Fact]
    public void Behaves_like_a_queue_that_keeps_the_newest_capacity_samples()
    {
        // Steps: a positive number writes that many samples, a negative one reads up to that many.
        var gen = from capacity in Gen.Int[1, 700]
                  from steps in Gen.Int[-600, 600].Array[1, 40]
                  select (capacity, steps);
        gen.Sample(t =>
        {
            var (capacity, steps) = t;
            var q = new SampleQueue(capacity, 8 * Channels, Channels, strings: false);
            var model = new Queue<long>();
            long written = 0, modelDropped = 0;
            foreach (var step in steps)
            {
                if (step > 0)
                {
                    for (var i = 0; i < step; i++)
                    {
                        Write(q, written);
                        model.Enqueue(written++);
                        if (model.Count > capacity) { model.Dequeue(); modelDropped++; }
                    }
                }
                else
                {
                    for (var i = 0; i < -step; i++)
                    {
                        var got = Read(q);
                        if (model.Count == 0) { Assert.Null(got); break; }
                        Assert.Equal(model.Dequeue(), got);
                    }
                }
                Assert.Equal(model.Count, q.Available);
            }
            while (model.Count > 0) Assert.Equal(model.Dequeue(), Read(q));
            Assert.Null(Read(q));
            Assert.Equal(modelDropped, q.Dropped);
            Assert.Equal(written, q.Written);
        }, iter: 300);
    }

    [Fact]
    public void A_racing_producer_never_hands_the_consumer_a_torn_duplicated_or_reordered_sample()
    {
        // A small capacity, so the producer laps the consumer and recycles segments under it again and again.
        var q = new SampleQueue(300, 8 * Channels, Channels, strings: false);
        const long total = 2_000_000;
        var producer = new Thread(() => { for (long i = 0; i < total; i++) Write(q, i); });
        producer.Start();
        long received = 0, last = -1;
        while (producer.IsAlive || q.Available > 0)
        {
            if (Read(q) is not { } index) continue;
            Assert.True(index > last, $"sample {index} after {last}");
            last = index;
            received++;
        }
        producer.Join();
        Assert.Equal(total - 1, last);
        Assert.Equal(total, received + q.Dropped);
    }

    [Fact]
    public void Memory_follows_what_is_queued_not_the_capacity()
    {
        // 360 s of 64 ch x 10 kHz float32 asked for; a consumer that keeps up must not make the queue touch more than a
        // few segments (a ring over the whole capacity would have grown by 256 MB here).
        var q = new SampleQueue(3_600_000, 256, 64, strings: false);
        var raw = new byte[256];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000_000; i++)
        {
            q.NextBytes()[0] = (byte)i;
            q.Publish(i, 0);
            if (i % 100 == 99) while (q.TryRead(raw, default, out _, out _)) { }
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated for 1,000,000 samples read as they came");
        Assert.Equal(0, q.Dropped);
    }
}
