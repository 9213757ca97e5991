using CsCheck;
using Pipeline.Core.Dsp;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Operators;

/// <summary>The resampler on its own: ratio, gain, how many frames come out, and the timestamps it gives them.</summary>
public sealed class PolyphaseResamplerTests
{
    private static (float[] Out, double[] Times) Run(PolyphaseResampler r, float[] input, double[] times, int channels, IEnumerable<int> chunkSizes)
    {
        var output = new List<float>();
        var outTimes = new List<double>();
        var frames = times.Length;
        var at = 0;
        foreach (var size in chunkSizes.Append(frames))
        {
            var n = Math.Min(size, frames - at);
            if (n <= 0) break;
            var o = new float[r.MaxOutputFrames(n) * channels];
            var t = new double[r.MaxOutputFrames(n)];
            var produced = r.Process(input.AsSpan(at * channels, n * channels), times.AsSpan(at, n), n, o, t);
            Assert.InRange(produced, 0, r.MaxOutputFrames(n));
            output.AddRange(o.AsSpan(0, produced * channels).ToArray());
            outTimes.AddRange(t.AsSpan(0, produced).ToArray());
            at += n;
        }
        return (output.ToArray(), outTimes.ToArray());
    }

    [Fact]
    public void The_ratio_is_reduced_and_bad_ratios_are_refused_with_one_sentence()
    {
        var r = new PolyphaseResampler(500, 250, 1, 250);
        Assert.Equal((2, 1), (r.Up, r.Down));
        Assert.Equal(500, r.OutputRate);
        Assert.Throws<PipelineException>(() => new PolyphaseResampler(0, 1, 1, 250));
        Assert.Throws<PipelineException>(() => new PolyphaseResampler(1001, 1, 1, 250));
        Assert.Throws<PipelineException>(() => new PolyphaseResampler(2, 1, 1, 0));
    }

    private static readonly (int In, int Out)[] Rates = [(250, 160), (160, 250), (1000, 250), (44100, 16000), (3, 2)];

    [Fact]
    public void Any_chunking_gives_the_same_frames_unit_gain_at_dc_and_timestamps_one_output_period_apart()
    {
        Gen.Select(Gen.Int[0, Rates.Length - 1].Select(i => Rates[i]), Gen.Int[1, 97].Array[1, 20]).Sample(c =>
        {
            var ((inRate, outRate), sizes) = c;
            const int channels = 2;
            var frames = Math.Max(inRate * 2, 1000);
            var input = new float[frames * channels];
            for (var i = 0; i < frames; i++) { input[2 * i] = 3f; input[2 * i + 1] = -1.5f; }
            var times = Enumerable.Range(0, frames).Select(i => 50 + i / (double)inRate).ToArray();
            var (up, down) = Resampling.Ratio(inRate, outRate);
            var whole = Run(new PolyphaseResampler(up, down, channels, inRate), input, times, channels, []);
            var chunked = Run(new PolyphaseResampler(up, down, channels, inRate), input, times, channels, sizes);
            Assert.Equal(whole.Out, chunked.Out);
            Assert.Equal(whole.Times, chunked.Times);
            // Every input frame yields its share of output frames (up/down per input frame).
            Assert.InRange(whole.Times.Length, frames * (long)outRate / inRate - 1, frames * (long)outRate / inRate + 1);
            // Unit gain at DC once the filter is full (the first frames still see the zero history).
            var r = new PolyphaseResampler(up, down, channels, inRate);
            var settled = whole.Out.Length / channels / 2;
            for (var i = settled; i < whole.Out.Length / channels; i++)
            {
                Assert.Equal(3f, whole.Out[2 * i], 3);
                Assert.Equal(-1.5f, whole.Out[2 * i + 1], 3);
            }
            // Timestamps: one output period apart, and the group delay compensated (a regular input starts at its first stamp).
            for (var i = 1; i < whole.Times.Length; i++) Assert.Equal(1.0 / r.OutputRate, whole.Times[i] - whole.Times[i - 1], 9);
            Assert.Equal(50 - r.GroupDelaySeconds, whole.Times[0], 9);
        }, iter: 30);
    }
}
