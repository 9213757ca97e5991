using System.Reactive.Linq;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Operators;

public class FilteringNonFiniteTests
{
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_non_finite_sample_does_not_poison_the_filter_state(float bad)
    {
        var d = new StreamDescription("s", "EEG", ["a", "b"], 250);
        var chunk = new SignalChunk(d, 2500);
        chunk.Reset(d, 2500);
        for (var f = 0; f < 2500; f++)
        {
            chunk.Timestamps[f] = f / 250.0;
            chunk.Frame(f)[0] = MathF.Sin(2 * MathF.PI * 10 * f / 250f);
            chunk.Frame(f)[1] = MathF.Sin(2 * MathF.PI * 12 * f / 250f);
        }
        chunk.Frame(500)[0] = bad;
        var outputs = new List<float[]>();
        Observable.Return(chunk).BandPass(8, 30).Notch(50).Subscribe(c => outputs.Add(c.Samples.ToArray()));
        var y = outputs.Single();
        Assert.True(float.IsNaN(y[500 * 2]) || float.IsInfinity(y[500 * 2]));
        // The other channel never sees it, and the bad channel is finite again right after and back to the tone within 2 s.
        for (var f = 0; f < 2500; f++) Assert.True(float.IsFinite(y[f * 2 + 1]));
        for (var f = 501; f < 2500; f++) Assert.True(float.IsFinite(y[f * 2]), $"frame {f}");
        var tail = Enumerable.Range(1500, 1000).Select(f => y[f * 2]).ToArray();
        Assert.InRange(Math.Sqrt(tail.Average(v => v * v)), 0.6, 0.8); // a unit sine has RMS 0.707
    }
}
