using CsCheck;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Operators;

public class ResamplingTests
{
    private static (float[] Data, double[] Times, List<SignalChunk> Chunks) Resample(double rate, double target, double freq, int seconds, int chunk, int channels = 1)
    {
        int frames = (int)(rate * seconds);
        var d = SignalBuilder.Description(channels, rate);
        var input = SignalBuilder.Sines(frames, rate, 1.0, Enumerable.Repeat(freq, channels).ToArray());
        // Input timestamps start at 1000 s, so the phase of sin(2 pi f (t - 1000)) is what the resampled signal must follow.
        var chunks = SignalBuilder.Run(SignalBuilder.Chunk(d, input, SignalBuilder.Times(frames, rate), [chunk]), s => s.Resample(target));
        var (data, times) = SignalBuilder.Concat(chunks);
        return (data, times.Select(t => t - 1000).ToArray(), chunks);
    }

    [Theory]
    [InlineData(250, 160, 20)]
    [InlineData(250, 160, 50)]
    [InlineData(160, 250, 40)]
    [InlineData(1000, 250, 60)]
    [InlineData(44100, 16000, 3000)]
    public void Sine_below_new_nyquist_keeps_amplitude_frequency_and_timing(double rate, double target, double freq)
    {
        var (data, times, chunks) = Resample(rate, target, freq, 4, 97);
        Assert.Equal(target, chunks[0].Description.NominalRate);
        // Fitting at the output timestamps tests the frequency and the delay compensation of the timestamps at once.
        var (a, residual) = SignalBuilder.FitSine(data, 1, 0, times, freq, times.Length / 4);
        Assert.InRange(SignalBuilder.Db(a), -0.5, 0.5);
        Assert.True(residual < 0.05, $"residual {residual}");
    }

    [Theory]
    [InlineData(250, 160, 100)]
    [InlineData(250, 160, 120)]
    [InlineData(1000, 250, 200)]
    public void Tone_above_new_nyquist_is_attenuated_40_dB(double rate, double target, double freq)
    {
        var (data, _, _) = Resample(rate, target, freq, 4, 64);
        var tail = data[(data.Length / 4)..];
        double rms = Math.Sqrt(tail.Select(v => (double)v * v).Average());
        Assert.True(SignalBuilder.Db(rms / Math.Sqrt(0.5)) <= -40, $"{SignalBuilder.Db(rms / Math.Sqrt(0.5))} dB");
    }

    [Fact]
    public void Output_count_and_rate_over_a_long_run()
    {
        var (_, times, _) = Resample(250, 160, 10, 120, 31);
        int inputFrames = 250 * 120;
        // Output frame m uses input up to floor(m*25/16): all m with m*25/16 < inputFrames.
        Assert.Equal((inputFrames * 16 + 24) / 25, times.Length);
        var steps = times.Zip(times.Skip(1), (x, y) => y - x).ToArray();
        Assert.All(steps, s => Assert.InRange(s, 1 / 160.0 - 1e-9, 1 / 160.0 + 1e-9));
    }

    [Fact]
    public void Output_is_bit_identical_for_any_chunking()
    {
        var d = SignalBuilder.Description(2, 250);
        int frames = 2000;
        var rnd = new Random(3);
        var data = Enumerable.Range(0, frames * 2).Select(_ => (float)rnd.NextDouble()).ToArray();
        var times = SignalBuilder.Times(frames, 250);
        var (reference, refTimes) = SignalBuilder.Concat(SignalBuilder.Run(SignalBuilder.Chunk(d, data, times, [frames]), s => s.Resample(16, 25)));
        Gen.Int[1, 300].Array[1, 10].Sample(sizes =>
        {
            var (output, outTimes) = SignalBuilder.Concat(SignalBuilder.Run(SignalBuilder.Chunk(d, data, times, sizes), s => s.Resample(16, 25)));
            Assert.Equal(reference, output);
            Assert.Equal(refTimes, outTimes);
        }, iter: 30);
    }

    [Fact]
    public void Ratio_reduces_by_gcd_and_rejects_fractional_rates()
    {
        Assert.Equal((16, 25), Resampling.Ratio(250, 160));
        Assert.Equal((1, 4), Resampling.Ratio(512, 128));
        Assert.Throws<PipelineException>(() => Resampling.Ratio(250.5, 160));
    }
}
