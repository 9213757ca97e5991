using Pipeline.Core.Features;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Operators;

public class BandPowerTests
{
    private static Window SineWindow(double rate, int samples, params (double Freq, double Amp)[] channels)
    {
        var w = new Window(SignalBuilder.Description(channels.Length, rate), samples);
        for (int c = 0; c < channels.Length; c++)
            for (int s = 0; s < samples; s++)
                w.Data[c * samples + s] = (float)(3 + channels[c].Amp * Math.Sin(2 * Math.PI * channels[c].Freq * s / rate + 0.3));
        return w;
    }

    [Theory]
    [InlineData(160, 320)]
    [InlineData(250, 500)]
    [InlineData(250, 300)]
    public void In_band_sine_gives_its_power_and_out_of_band_is_far_lower(double rate, int samples)
    {
        var w = SineWindow(rate, samples, (12, 2), (20, 10), (45, 10), (3, 10));
        var bp = new BandPower(rate, samples, 8, 30);
        var output = new float[4];
        bp.Compute(w, output);
        // Power of a sine is A^2/2 (the offset is removed): 2 and 50.
        Assert.InRange(output[0], Math.Log10(2) - 0.05, Math.Log10(2) + 0.05);
        Assert.InRange(output[1], Math.Log10(50) - 0.05, Math.Log10(50) + 0.05);
        Assert.True(output[2] < Math.Log10(50) - 3, $"45 Hz leaked: {output[2]}");
        Assert.True(output[3] < Math.Log10(50) - 3, $"3 Hz leaked: {output[3]}");
    }

    [Fact]
    public void Compute_allocates_nothing_after_construction()
    {
        var w = SineWindow(160, 320, (12, 2), (20, 10));
        var bp = new BandPower(160, 320, 8, 30);
        var output = new float[2];
        bp.Compute(w, output);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) bp.Compute(w, output);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Wrong_window_length_or_band_is_a_pipeline_error()
    {
        var bp = new BandPower(160, 320, 8, 30);
        Assert.Throws<PipelineException>(() => bp.Compute(SineWindow(160, 100, (10, 1)), new float[1]));
        Assert.Throws<PipelineException>(() => new BandPower(160, 320, 30, 8));
        Assert.Throws<PipelineException>(() => new BandPower(160, 320, 8, 100));
    }
}
