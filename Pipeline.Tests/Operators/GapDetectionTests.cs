using Pipeline.Core.Operators;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Operators;

public class GapDetectionTests
{
    [Fact]
    public void Gaps_inside_and_across_chunks_and_backward_jumps_are_reported()
    {
        double rate = 100;
        var times = SignalBuilder.Times(300, rate).ToArray();
        for (int i = 100; i < 300; i++) times[i] += 0.05;   // 5 missing frames before frame 100
        for (int i = 200; i < 300; i++) times[i] -= 10;     // clock reset before frame 200
        var jitter = new Random(1);
        for (int i = 0; i < 300; i++) times[i] += (jitter.NextDouble() - 0.5) * 0.2 / rate; // small jitter is not a gap
        var d = SignalBuilder.Description(1, rate);
        foreach (var size in new[] { 1, 7, 100, 300 })
        {
            var gaps = new List<Gap>();
            var counter = new GapCounter();
            var chunks = SignalBuilder.Chunk(d, new float[300], times, [size]);
            var passed = SignalBuilder.Run(chunks, s => s.DetectGaps(g => { gaps.Add(g); counter.Add(g); }));
            Assert.Equal(300, passed.Sum(c => c.Frames));
            Assert.Equal(2, gaps.Count);
            Assert.Equal(times[99], gaps[0].LastBefore);
            Assert.Equal(times[100], gaps[0].FirstAfter);
            Assert.Equal(5, gaps[0].MissingFrames);
            Assert.True(gaps[1].Duration < 0);
            Assert.Equal(0, gaps[1].MissingFrames);
            Assert.Equal(1, counter.Gaps);
            Assert.Equal(1, counter.BackwardJumps);
            Assert.Equal(5, counter.MissingFrames);
        }
    }

    [Fact]
    public void Gaps_stream_and_irregular_streams()
    {
        var times = new[] { 0.0, 0.01, 0.02, 0.5, 0.51 };
        var regular = SignalBuilder.Description(1, 100);
        var gaps = new List<Gap>();
        var subject = new System.Reactive.Subjects.Subject<SignalChunk>();
        using (subject.Gaps().Subscribe(gaps.Add))
            foreach (var c in SignalBuilder.Chunk(regular, new float[5], times, [2])) subject.OnNext(c);
        Assert.Equal([47L], gaps.Select(g => g.MissingFrames));

        var irregular = new StreamDescription("m", "Markers", ["x"], 0);
        gaps.Clear();
        var subject2 = new System.Reactive.Subjects.Subject<SignalChunk>();
        using (subject2.Gaps().Subscribe(gaps.Add))
            foreach (var c in SignalBuilder.Chunk(irregular, new float[5], times, [2])) subject2.OnNext(c);
        Assert.Empty(gaps);
    }
}
