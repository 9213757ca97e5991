using CsCheck;
using Pipeline.Core.Inference;

namespace Pipeline.Tests.Inference;

/// <summary>One session's bounded queue at a shared runner: the live one drops its oldest, the replay one waits.</summary>
public sealed class WindowQueueTests
{
    private static float[] Window(int index, int size) => Enumerable.Repeat((float)index, size).ToArray();

    [Fact]
    public void A_live_queue_keeps_the_newest_windows_in_order_and_counts_every_drop()
    {
        Gen.Int[1, 10].SelectMany(capacity => Gen.Bool.Array[0, 200].Select(ops => (capacity, ops))).Sample(c =>
        {
            var (capacity, ops) = c;
            var queue = new WindowQueue(capacity, 3, blockWhenFull: false);
            var reference = new Queue<int>();
            var next = 0;
            long dropped = 0;
            var slot = new float[3];
            foreach (var enqueue in ops)
            {
                if (enqueue)
                {
                    var grew = queue.Enqueue(Window(next, 3), new WindowTicket(next, next, next + 1, 0));
                    reference.Enqueue(next++);
                    if (reference.Count > capacity) { reference.Dequeue(); dropped++; Assert.False(grew); }
                    else Assert.True(grew);
                }
                else
                {
                    var got = queue.TryDequeue(slot, out var ticket);
                    Assert.Equal(reference.Count > 0, got);
                    if (!got) continue;
                    var expected = reference.Dequeue();
                    Assert.Equal(expected, ticket.WindowIndex);
                    Assert.All(slot, v => Assert.Equal(expected, v));
                }
                Assert.Equal(reference.Count, queue.Count);
            }
            Assert.Equal(dropped, queue.Dropped);
            Assert.Equal(next, queue.Submitted);
        });
    }

    [Fact]
    public async Task A_replay_queue_makes_the_producer_wait_for_room_and_close_releases_it()
    {
        var queue = new WindowQueue(2, 1, blockWhenFull: true);
        queue.Enqueue([0f], new WindowTicket(0, 0, 0, 0));
        queue.Enqueue([1f], new WindowTicket(1, 0, 0, 0));
        using var third = Task.Run(() => queue.Enqueue([2f], new WindowTicket(2, 0, 0, 0)));
        // The producer waits until the consumer takes a window: then it is queued behind the others, nothing dropped.
        var slot = new float[1];
        Assert.True(queue.TryDequeue(slot, out var t0));
        await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, t0.WindowIndex);
        Assert.True(queue.TryDequeue(slot, out var t1));
        Assert.True(queue.TryDequeue(slot, out var t2));
        Assert.Equal((1L, 2L, 2f), (t1.WindowIndex, t2.WindowIndex, slot[0]));
        Assert.Equal(0, queue.Dropped);

        queue.Enqueue([3f], new WindowTicket(3, 0, 0, 0));
        queue.Enqueue([4f], new WindowTicket(4, 0, 0, 0));
        using var waiting = Task.Run(() => queue.Enqueue([5f], new WindowTicket(5, 0, 0, 0)));
        Assert.Equal(2, queue.Close());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Throws<ArgumentException>(() => new WindowQueue(1, 4, false).Enqueue([1f], default));
    }
}
