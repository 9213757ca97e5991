using System.Diagnostics;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Monitoring;
using Pipeline.Core.Quality;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Monitoring;

public class SessionMonitorTests
{
    private static readonly StreamDescription Eeg = new("eeg", "EEG", ["C3", "Cz", "C4"], 250);

    private static SessionMonitor Monitor() => new("s", new SessionMonitorLayout
    {
        Scope = Eeg, Quality = Eeg, Values = ["left", "right"], ScopeSeconds = 4, HistoryCapacity = 32,
    });

    [Fact]
    public void Keeps_probabilities_latencies_commands_gaps_and_markers_for_readers()
    {
        var m = Monitor();
        var p = new Prediction("probabilities", ["left", "right"]);
        for (var i = 0; i < 40; i++)
        {
            p.Values[0] = i / 40f;
            p.Values[1] = 1 - i / 40f;
            p.EndTime = 100 + i * 0.25;
            p.NewestArrivalTicks = Stopwatch.GetTimestamp() - Stopwatch.Frequency * 15 / 1000; // 15 ms ago
            m.OnPrediction(p);
        }
        m.OnCommand(new Command("s", "go-left", "left", 0.9f, 109.75, 39, Stopwatch.GetTimestamp()));
        m.OnGap(new Gap("eeg", 110, 111, 249));
        m.OnMarker(new Marker(105, "left"));
        Assert.Equal(40, m.Predictions);
        long cursor = 0;
        var values = new float[64];
        var times = new double[32];
        var n = m.ValueRing!.Read(ref cursor, values, times, out var first);
        Assert.Equal(31, n); // a ring of 32 keeps the newest 31 for a reader that starts late
        Assert.Equal(9, first);
        Assert.Equal(9 / 40f, values[0]);
        Assert.Equal(100 + 39 * 0.25, times[n - 1]);
        Assert.Equal(40, m.Latency.Count);
        Assert.Equal(0.02, m.Latency.QuantileBucketBound(0.5)); // 15 ms and a little more
        cursor = 0;
        var command = Assert.Single(m.Commands.ReadNew(ref cursor));
        Assert.Equal("go-left", command.Command.Name);
        Assert.InRange(command.LatencyMs, 0, 1000);
        cursor = 0;
        Assert.Equal(249, Assert.Single(m.Gaps.ReadNew(ref cursor)).MissingFrames);
        cursor = 0;
        Assert.Equal("left", Assert.Single(m.Markers.ReadNew(ref cursor)).Text);
    }

    [Fact]
    public void Taps_feed_the_scope_and_the_quality_check()
    {
        var m = Monitor();
        var chunk = new SignalChunk(Eeg, 10);
        chunk.Reset(Eeg, 10);
        for (var k = 0; k < 50; k++)
        {
            for (var f = 0; f < 10; f++)
            {
                chunk.TimestampSpan[f] = (k * 10 + f) / 250.0;
                chunk.Frame(f)[0] = 0; // C3 flat
                chunk.Frame(f)[1] = (float)(20 * Math.Sin(k * 10 + f));
                chunk.Frame(f)[2] = (float)(20 * Math.Cos(k * 10 + f));
            }
            m.OnRawChunk(chunk);
            m.OnFilteredChunk(chunk);
        }
        Assert.Equal(125, m.ScopeRate);
        Assert.Equal(250, m.ScopeRing!.Written);
        var q = m.Quality!.Snapshot();
        Assert.Equal(QualityFlags.Flat, q[0].Flags);
        Assert.Equal(QualityFlags.None, q[1].Flags);
    }

    [Fact]
    public void The_session_side_allocates_nothing_per_window_or_chunk()
    {
        var m = Monitor();
        var p = new Prediction("probabilities", ["left", "right"]) { NewestArrivalTicks = Stopwatch.GetTimestamp() };
        var command = new Command("s", "go-left", "left", 0.9f, 1, 1, Stopwatch.GetTimestamp());
        var chunk = new SignalChunk(Eeg, 10);
        chunk.Reset(Eeg, 10);
        var rnd = new Random(1);
        for (var i = 0; i < chunk.Samples.Length; i++) chunk.Samples[i] = (float)rnd.NextDouble();
        void Step(int i)
        {
            m.OnRawChunk(chunk);
            m.OnFilteredChunk(chunk);
            p.EndTime = i;
            m.OnPrediction(p);
            if (i % 10 == 0) m.OnCommand(command);
            if (i % 50 == 0) m.OnGap(new Gap("eeg", i, i + 1, 3));
        }
        for (var i = 0; i < 200; i++) Step(i);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5000; i++) Step(i);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
