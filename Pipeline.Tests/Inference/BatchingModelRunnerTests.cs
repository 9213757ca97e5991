using System.Collections.Concurrent;
using CsCheck;
using Pipeline.Core.Inference;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Inference;

public class BatchingModelRunnerTests
{
    private static string ModelPath => Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx");

    [Fact]
    public void Batch_limit_is_the_smallest_bucket_that_gets_nearly_the_best_time_per_window()
    {
        // A GPU-like profile: bigger batches are cheaper per window all the way.
        Assert.Equal(64, BatchingModelRunner.ChooseMaxBatch(new Dictionary<int, double> { [1] = 1.0, [2] = 1.1, [4] = 1.3, [8] = 1.6, [16] = 2.0, [32] = 3.0, [64] = 5.0 }));
        // A cache-bound CPU profile: from 4 on, one big run is slower than two smaller ones.
        Assert.Equal(2, BatchingModelRunner.ChooseMaxBatch(new Dictionary<int, double> { [1] = 1.2, [2] = 2.0, [4] = 8.3, [8] = 22.8 }));
        Assert.Equal(1, BatchingModelRunner.ChooseMaxBatch(new Dictionary<int, double> { [1] = 1.0, [2] = 2.5 }));
        // A compute-bound CPU profile (this project's 2-core machine): the same cost per window at every size, so a
        // big batch would only make early windows wait for late ones.
        Assert.Equal(1, BatchingModelRunner.ChooseMaxBatch(new Dictionary<int, double> { [1] = 1.0, [2] = 2.0, [4] = 4.0, [8] = 8.0, [16] = 15.7, [32] = 30.6, [64] = 61.0 }));
        // Batching that pays up to 8 and little beyond: 8.
        Assert.Equal(8, BatchingModelRunner.ChooseMaxBatch(new Dictionary<int, double> { [1] = 1.0, [2] = 1.6, [4] = 3.0, [8] = 5.4, [16] = 10.4, [32] = 20.0 }));
    }

    [Fact]
    public void Results_match_the_direct_run_and_go_back_to_their_own_session_in_order()
    {
        var golden = GoldenFile.Load(Path.ChangeExtension(ModelPath, ".golden.json"));
        var size = golden.InputShape[1] * golden.InputShape[2];
        using var shared = BatchingModelRunner.Load(ModelPath, new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 8, QueueCapacity = 64 });
        const int sessions = 6, windowsEach = 20;
        var results = new ConcurrentDictionary<int, List<(long Index, float[] P)>>();
        var clients = Enumerable.Range(0, sessions).Select(s =>
        {
            results[s] = [];
            return shared.Connect($"s{s}", (in WindowTicket t, ReadOnlySpan<float> p) => results[s].Add((t.WindowIndex, p.ToArray())), blockWhenFull: true);
        }).ToArray();
        Parallel.For(0, sessions, s =>
        {
            for (var i = 0; i < windowsEach; i++)
            {
                // Session s, window i uses golden input (s + i) % 3: the result identifies the input.
                var g = (s + i) % golden.Count;
                clients[s].Submit(golden.Eeg.AsSpan(g * size, size), new WindowTicket(i, i, i + 4, 0));
            }
        });
        foreach (var c in clients) c.WaitIdle(CancellationToken.None);
        Assert.True(shared.MeanBatchSize >= 1);
        for (var s = 0; s < sessions; s++)
        {
            var got = results[s];
            Assert.Equal(Enumerable.Range(0, windowsEach).Select(i => (long)i), got.Select(r => r.Index));
            for (var i = 0; i < windowsEach; i++)
            {
                var g = (s + i) % golden.Count;
                for (var k = 0; k < golden.Classes; k++)
                    Assert.True(Math.Abs(got[i].P[k] - golden.Probabilities[g * golden.Classes + k]) <= 1e-4, $"session {s} window {i}");
            }
            Assert.Equal(0, clients[s].Dropped);
        }
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public void Several_workers_deliver_every_sessions_results_in_window_order_and_conserve_counts()
    {
        var golden = GoldenFile.Load(Path.ChangeExtension(ModelPath, ".golden.json"));
        var size = golden.InputShape[1] * golden.InputShape[2];
        // More workers than this machine has cores, so which worker finishes first is up to the scheduler: the order
        // each session sees must not depend on it.
        var runners = new[] { 1, 2, 3 }.Select(w => BatchingModelRunner.Load(ModelPath, new ModelRunnerOptions(),
            new BatchingOptions { MaxBatch = 4, Workers = w })).ToArray();
        try
        {
            Assert.Equal([1, 2, 3], runners.Select(r => r.Workers));
            Gen.Select(Gen.Int[0, 2], Gen.Int[0, 30].Array[1, 6], Gen.Bool, Gen.Int[1, 5]).Sample((which, counts, live, capacity) =>
            {
                var runner = runners[which];
                var delivered = counts.Select(_ => new List<(long Index, float[] P)>()).ToArray();
                var clients = counts.Select((_, s) => runner.Connect($"s{s}",
                    (in WindowTicket t, ReadOnlySpan<float> p) => delivered[s].Add((t.WindowIndex, p.ToArray())), blockWhenFull: !live, queueCapacity: capacity)).ToArray();
                try
                {
                    Parallel.For(0, counts.Length, s =>
                    {
                        for (var i = 0; i < counts[s]; i++)
                            clients[s].Submit(golden.Eeg.AsSpan((s + i) % golden.Count * size, size), new WindowTicket(i, i, i + 4, 0));
                    });
                    foreach (var c in clients) c.WaitIdle(CancellationToken.None);
                    for (var s = 0; s < counts.Length; s++)
                    {
                        var got = delivered[s];
                        var c = clients[s];
                        // Counts conserved: every window submitted was delivered or (live only) dropped, never both.
                        Assert.Equal(counts[s], c.Submitted);
                        Assert.Equal(c.Submitted, c.Completed + c.Dropped);
                        Assert.Equal(c.Completed, got.Count);
                        if (!live) Assert.Equal(0, c.Dropped);
                        // Window order per session, and each result is its own window's.
                        for (var k = 1; k < got.Count; k++) Assert.True(got[k].Index > got[k - 1].Index, $"session {s}: {got[k - 1].Index} then {got[k].Index}");
                        if (!live) Assert.Equal(Enumerable.Range(0, counts[s]).Select(i => (long)i), got.Select(r => r.Index));
                        foreach (var (index, p) in got)
                        {
                            var g = (int)((s + index) % golden.Count);
                            for (var j = 0; j < golden.Classes; j++)
                                Assert.True(Math.Abs(p[j] - golden.Probabilities[g * golden.Classes + j]) <= 1e-4, $"session {s} window {index}");
                        }
                    }
                }
                finally
                {
                    foreach (var c in clients) c.Dispose();
                }
            }, iter: 40);
        }
        finally
        {
            foreach (var r in runners) r.Dispose();
        }
    }

    [Fact]
    public void Workers_allocate_nothing_per_window_in_steady_state()
    {
        using var shared = BatchingModelRunner.Load(ModelPath, new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 4, Workers = 2 });
        var window = new float[shared.Model.WindowValues];
        // Bytes each worker thread had allocated at its first and last result after the warm-up (the handler runs on
        // the worker that delivers: what the thread allocated between the two is the batching loop's, per window).
        var first = new long[4096];
        var last = new long[4096];
        var delivered = new int[4096];
        var clients = Enumerable.Range(0, 4).Select(s => shared.Connect($"s{s}", (in WindowTicket t, ReadOnlySpan<float> _) =>
        {
            if (t.WindowIndex < 50) return;
            var thread = Environment.CurrentManagedThreadId;
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            if (first[thread] == 0) first[thread] = bytes;
            last[thread] = bytes;
            delivered[thread]++;
        }, blockWhenFull: true)).ToArray();
        Parallel.For(0, clients.Length, s =>
        {
            for (var i = 0; i < 400; i++) clients[s].Submit(window, new WindowTicket(i, 0, 4, 0));
        });
        foreach (var c in clients) c.WaitIdle(CancellationToken.None);
        var threads = Enumerable.Range(0, delivered.Length).Where(t => delivered[t] > 0).ToArray();
        Assert.NotEmpty(threads);
        Assert.Equal(4 * 350, threads.Sum(t => delivered[t]));
        foreach (var t in threads) Assert.True(last[t] == first[t], $"worker thread {t} allocated {last[t] - first[t]} B over {delivered[t]} windows");
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public void Batch_limit_comes_from_the_median_of_interleaved_runs_with_its_spread()
    {
        using var shared = BatchingModelRunner.Load(ModelPath, new ModelRunnerOptions(), new BatchingOptions { Workers = 1 });
        var timings = shared.WarmUpTimings;
        Assert.Equal([1, 2, 4, 8, 16, 32, 64], timings.Select(t => t.Size));
        foreach (var t in timings)
        {
            Assert.True(t.Runs >= 9, $"bucket {t.Size}: {t.Runs} runs");
            Assert.True(t.LowMs <= t.MedianMs && t.MedianMs <= t.HighMs, $"bucket {t.Size}: {t.LowMs} {t.MedianMs} {t.HighMs}");
        }
        // The limit is the rule applied to those medians.
        Assert.Equal(BatchingModelRunner.ChooseMaxBatch(timings.ToDictionary(t => t.Size, t => t.MedianMs)), shared.MaxBatch);
    }

    [Fact]
    public void A_full_live_queue_drops_its_oldest_windows_counts_them_and_never_blocks()
    {
        // One worker: a second one would take window 1 while window 0 is delivered, if it woke in time (a race; the
        // test below holds both workers on purpose).
        using var shared = BatchingModelRunner.Load(ModelPath, new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 1, QueueCapacity = 3, Workers = 1 });
        var size = shared.Model.WindowValues;
        var window = new float[size];
        using var release = new ManualResetEventSlim(false);
        using var first = new ManualResetEventSlim(false);
        var delivered = new List<long>();
        // The handler of the first result holds the inference thread, so the queue fills behind it.
        using var client = shared.Connect("live", (in WindowTicket t, ReadOnlySpan<float> _) =>
        {
            delivered.Add(t.WindowIndex);
            first.Set();
            release.Wait();
        });
        client.Submit(window, new WindowTicket(0, 0, 0, 0));
        Assert.True(first.Wait(TimeSpan.FromSeconds(10)));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 1; i <= 10; i++) client.Submit(window, new WindowTicket(i, 0, 0, 0));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), "a live submit blocked");
        Assert.Equal(7, client.Dropped);
        Assert.Equal(3, client.Queued);
        release.Set();
        client.WaitIdle(CancellationToken.None);
        // The newest three survive, in order.
        Assert.Equal([0L, 8, 9, 10], delivered);
    }

    [Fact]
    public void With_two_workers_a_live_session_has_two_windows_in_flight_drops_the_oldest_queued_and_delivers_in_order()
    {
        using var shared = BatchingModelRunner.Load(ModelPath, new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 1, QueueCapacity = 3, Workers = 2 });
        Assert.Equal(2, shared.Workers);
        var window = new float[shared.Model.WindowValues];
        using var release = new ManualResetEventSlim(false);
        using var first = new ManualResetEventSlim(false);
        var delivered = new List<long>();
        using var client = shared.Connect("live", (in WindowTicket t, ReadOnlySpan<float> _) =>
        {
            delivered.Add(t.WindowIndex);
            first.Set();
            release.Wait();
        });
        // Window 0 holds one worker in its delivery; the other takes window 1, runs it and keeps its result (order).
        client.Submit(window, new WindowTicket(0, 0, 0, 0));
        Assert.True(first.Wait(TimeSpan.FromSeconds(10)));
        client.Submit(window, new WindowTicket(1, 0, 0, 0));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (client.Queued > 0 && DateTime.UtcNow < deadline) Thread.Sleep(1);
        Assert.Equal(0, client.Queued);
        // Two windows in flight is this session's limit (workers x batch): the rest queue, and the queue drops its oldest.
        for (var i = 2; i <= 10; i++) client.Submit(window, new WindowTicket(i, 0, 0, 0));
        Thread.Sleep(50); // room for a wrong take to happen
        Assert.Equal(6, client.Dropped);
        Assert.Equal(3, client.Queued);
        release.Set();
        client.WaitIdle(CancellationToken.None);
        Assert.Equal([0L, 1, 8, 9, 10], delivered);
    }

    [Fact]
    public void Stopping_one_session_mid_batch_loses_no_other_sessions_results()
    {
        using var shared = BatchingModelRunner.Load(ModelPath, new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 4, QueueCapacity = 100 });
        var size = shared.Model.WindowValues;
        var window = new float[size];
        var counts = new int[3];
        var clients = Enumerable.Range(0, 3).Select(s => shared.Connect($"s{s}", (in WindowTicket _, ReadOnlySpan<float> _) => Interlocked.Increment(ref counts[s]), blockWhenFull: true)).ToArray();
        var stopper = new Thread(() =>
        {
            Thread.Sleep(5);
            clients[1].Dispose();
        });
        stopper.Start();
        for (var i = 0; i < 40; i++)
            foreach (var c in clients)
            {
                try { c.Submit(window, new WindowTicket(i, 0, 0, 0)); }
                catch (ObjectDisposedException) when (ReferenceEquals(c, clients[1])) { }
            }
        stopper.Join();
        clients[0].WaitIdle(CancellationToken.None);
        clients[2].WaitIdle(CancellationToken.None);
        Assert.Equal(40, counts[0]);
        Assert.Equal(40, counts[2]);
        Assert.True(counts[1] <= 40);
        clients[0].Dispose();
        clients[2].Dispose();
    }
}

