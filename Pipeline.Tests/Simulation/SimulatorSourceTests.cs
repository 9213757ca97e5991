using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Pipeline.Core.Signals;
using Pipeline.Sources.Simulation;

namespace Pipeline.Tests.Simulation;

public class SimulatorSourceTests
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Seen(TimeSpan At, bool IsChunk, double First, double Last, int Frames, Marker Marker);

    private static (List<Seen> Events, bool Completed, HistoricalScheduler Clock) Run(SimulatorSourceOptions pacing, MotorImagerySimulatorOptions? sim = null)
    {
        var clock = new HistoricalScheduler(Origin);
        var source = new SimulatorSource(sim ?? new MotorImagerySimulatorOptions(), pacing, clock);
        var events = new List<Seen>();
        var completed = false;
        using var sub = source.Subscribe(e => events.Add(e.IsChunk
                ? new Seen(clock.Now - Origin, true, e.Chunk!.FirstTimestamp, e.Chunk.LastTimestamp, e.Chunk.Frames, default)
                : new Seen(clock.Now - Origin, false, 0, 0, 0, e.Marker)),
            () => completed = true);
        clock.Start();
        return (events, completed, clock);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(4.0)]
    public void Chunk_k_is_emitted_at_k_chunk_durations_over_speed(double speed)
    {
        var (events, completed, _) = Run(new SimulatorSourceOptions { Speed = speed, DurationSeconds = 10 });
        Assert.True(completed);
        var chunks = events.Where(e => e.IsChunk).ToList();
        Assert.Equal(250, chunks.Count);
        for (var k = 0; k < chunks.Count; k++)
        {
            Assert.Equal(TimeSpan.FromTicks((long)Math.Round(k * 0.04 / speed * TimeSpan.TicksPerSecond)), chunks[k].At);
            Assert.Equal(k * 10 / 250.0, chunks[k].First);
            Assert.Equal(10, chunks[k].Frames);
        }
    }

    [Fact]
    public void Markers_follow_the_chunk_that_holds_their_timestamp()
    {
        var (events, _, _) = Run(new SimulatorSourceOptions { DurationSeconds = 30 },
            new MotorImagerySimulatorOptions { Seed = 9, EmitTrialMarkers = true });
        var plan = MotorImagerySimulator.PlanTrials(new MotorImagerySimulatorOptions { Seed = 9 }, 4);
        var markers = events.Where(e => !e.IsChunk).Select(e => e.Marker).ToList();
        Assert.Equal(plan.Where(t => t.CueTime < 30).Select(t => t.CueTime), markers.Where(m => m.Text != "trial").Select(m => m.Timestamp));
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].IsChunk) continue;
            var chunk = events.Take(i).Last(e => e.IsChunk);
            Assert.InRange(events[i].Marker.Timestamp, chunk.First, chunk.Last);
            Assert.Equal(chunk.At, events[i].At);
        }
    }

    [Fact]
    public void Fast_mode_emits_everything_without_advancing_time()
    {
        var (events, completed, clock) = Run(new SimulatorSourceOptions { Fast = true, DurationSeconds = 60.004 });
        Assert.True(completed);
        Assert.Equal(Origin, clock.Now);
        var chunks = events.Where(e => e.IsChunk).ToList();
        Assert.Equal(1501, chunks.Count); // 15000 frames in chunks of 10, then 1 frame (60.004 s = 15001 frames)
        Assert.Equal(1, chunks[^1].Frames);
        Assert.All(events, e => Assert.Equal(TimeSpan.Zero, e.At));
        Assert.Equal(MotorImagerySimulator.PlanTrials(new MotorImagerySimulatorOptions(), 8).Count(t => t.CueTime <= 60), events.Count(e => !e.IsChunk));
    }

    [Fact]
    public void Disposing_an_endless_fast_run_stops_it()
    {
        var clock = new HistoricalScheduler(Origin);
        var source = new SimulatorSource(new MotorImagerySimulatorOptions(), new SimulatorSourceOptions { Fast = true }, clock);
        var chunks = 0;
        IDisposable? sub = null;
        sub = source.Subscribe(e =>
        {
            if (e.IsChunk && ++chunks == 500) sub!.Dispose();
        });
        clock.Start();
        Assert.Equal(500, chunks);
    }

    [Fact]
    public void Disposing_a_paced_run_stops_it()
    {
        var clock = new HistoricalScheduler(Origin);
        var source = new SimulatorSource(new MotorImagerySimulatorOptions(), new SimulatorSourceOptions(), clock);
        var chunks = 0;
        using var sub = source.Subscribe(e => chunks += e.IsChunk ? 1 : 0);
        clock.AdvanceBy(TimeSpan.FromSeconds(1));
        Assert.Equal(26, chunks); // at 0, 40, ..., 1000 ms
        sub.Dispose();
        clock.AdvanceBy(TimeSpan.FromSeconds(10));
        Assert.Equal(26, chunks);
    }

    [Fact]
    public void Published_run_feeds_chunks_and_markers_from_one_generation()
    {
        var clock = new HistoricalScheduler(Origin);
        var options = new MotorImagerySimulatorOptions { Seed = 21 };
        var run = new SimulatorSource(options, new SimulatorSourceOptions { Fast = true, DurationSeconds = 50 }, clock).Publish();
        var samples = new List<float>();
        var markers = new List<Marker>();
        var arrivals = new List<long>();
        run.Chunks().Subscribe(c =>
        {
            samples.AddRange(c.Samples.ToArray());
            arrivals.Add(c.ArrivalTicks);
        });
        run.Markers().Subscribe(markers.Add);
        using (run.Connect()) clock.Start();
        var expected = SimulationRecording.Frames(options, 50 * 250);
        Assert.Equal(expected.Data, samples);
        Assert.Equal(expected.Markers, markers);
        Assert.True(arrivals.Zip(arrivals.Skip(1)).All(p => p.Second >= p.First));
        Assert.True(arrivals[0] > 0);
    }

    [Fact]
    public void Fast_run_allocates_nothing_per_sample()
    {
        static long Allocated(double seconds)
        {
            var clock = new HistoricalScheduler(Origin);
            var source = new SimulatorSource(new MotorImagerySimulatorOptions(), new SimulatorSourceOptions { Fast = true, DurationSeconds = seconds }, clock);
            var observer = new CountingObserver();
            var before = GC.GetAllocatedBytesForCurrentThread();
            using (source.Subscribe(observer)) clock.Start();
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(observer.Completed);
            return bytes;
        }
        Allocated(5);
        var small = Allocated(10);
        var large = Allocated(110); // 25,000 more frames
        Assert.True(large - small < 1024, $"10 s allocated {small} bytes, 110 s {large}");
    }

    private sealed class CountingObserver : IObserver<SourceEvent>
    {
        public long Frames;
        public bool Completed;
        public void OnCompleted() => Completed = true;
        public void OnError(Exception error) => throw error;
        public void OnNext(SourceEvent value) => Frames += value.Chunk?.Frames ?? 0;
    }

    [Fact]
    public void Bad_pacing_is_a_pipeline_error()
    {
        Assert.Throws<PipelineException>(() => new SimulatorSource(new MotorImagerySimulatorOptions(), new SimulatorSourceOptions { Speed = 0 }));
        Assert.Throws<PipelineException>(() => new SimulatorSource(new MotorImagerySimulatorOptions(), new SimulatorSourceOptions { DurationSeconds = -1 }));
    }
}
