using CsCheck;
using Pipeline.Core.Dsp;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Operators;

public class FilteringTests
{
    // Steady-state gain of a filter for a sinusoid, measured on the filtered signal after the transient.
    private static double MeasuredGain(Func<IObservable<SignalChunk>, IObservable<SignalChunk>> op, double rate, double freq, int chunk = 37)
    {
        int frames = (int)(rate * 20);
        var d = SignalBuilder.Description(1, rate);
        var times = SignalBuilder.Times(frames, rate);
        var input = SignalBuilder.Sines(frames, rate, 1.0, freq);
        var (output, outTimes) = SignalBuilder.Concat(SignalBuilder.Run(SignalBuilder.Chunk(d, input, times, [chunk]), op));
        var (a, _) = SignalBuilder.FitSine(output, 1, 0, outTimes, freq, frames / 2);
        return a;
    }

    [Theory]
    [InlineData(250, 50)]
    [InlineData(160, 60)]
    [InlineData(500, 50)]
    public void Notch_attenuates_its_frequency_by_40_dB(double rate, double freq)
    {
        Assert.True(SignalBuilder.Db(MeasuredGain(s => s.Notch(freq), rate, freq)) <= -40);
        // ...and leaves frequencies away from it alone.
        Assert.InRange(SignalBuilder.Db(MeasuredGain(s => s.Notch(freq), rate, 10)), -0.1, 0.1);
    }

    [Theory]
    [InlineData(160)]
    [InlineData(250)]
    public void BandPass_keeps_pass_band_within_1_dB_and_attenuates_stop_band(double rate)
    {
        foreach (var f in new[] { 12.0, 15, 18, 20, 24 })
            Assert.InRange(SignalBuilder.Db(MeasuredGain(s => s.BandPass(8, 30), rate, f)), -1, 1);
        foreach (var f in new[] { 1.0, 2, 60, 70 })
            Assert.True(SignalBuilder.Db(MeasuredGain(s => s.BandPass(8, 30), rate, f)) < -30, $"{f} Hz at {rate} Hz");
    }

    [Fact]
    public void Sos_design_matches_measured_response()
    {
        var sos = SosCascade.ButterworthBandPass(8, 30, 250, 4);
        Assert.InRange(SignalBuilder.Db(sos.MagnitudeAt(8, 250)), -3.2, -2.8); // Butterworth edges are -3 dB
        Assert.InRange(SignalBuilder.Db(sos.MagnitudeAt(30, 250)), -3.2, -2.8);
        Assert.InRange(sos.MagnitudeAt(15, 250), MeasuredGain(s => s.BandPass(8, 30), 250, 15) - 1e-3, MeasuredGain(s => s.BandPass(8, 30), 250, 15) + 1e-3);
    }

    [Fact]
    public void Low_high_pass_is_stable_and_removes_offset()
    {
        // 0.5 Hz at 1000 Hz: normalized 5e-4, where a direct-form filter in float falls apart.
        double rate = 1000;
        int frames = 60000;
        var d = SignalBuilder.Description(1, rate);
        var input = SignalBuilder.Sines(frames, rate, 1.0, 10).Select(v => v + 100f).ToArray();
        var (output, times) = SignalBuilder.Concat(SignalBuilder.Run(SignalBuilder.Chunk(d, input, SignalBuilder.Times(frames, rate), [100]), s => s.HighPass(0.5)));
        Assert.All(output, v => Assert.True(float.IsFinite(v)));
        var tail = output[^5000..];
        Assert.InRange(tail.Average(), -0.05, 0.05);
        var (a, _) = SignalBuilder.FitSine(output, 1, 0, times, 10, frames - 5000);
        Assert.InRange(SignalBuilder.Db(a), -0.1, 0.1);
    }

    [Fact]
    public void Output_is_bit_identical_for_any_chunking()
    {
        var d = SignalBuilder.Description(3, 250);
        int frames = 1500;
        var rnd = new Random(7);
        var data = Enumerable.Range(0, frames * 3).Select(_ => (float)(rnd.NextDouble() * 200 - 100)).ToArray();
        var times = SignalBuilder.Times(frames, 250);
        Func<IObservable<SignalChunk>, IObservable<SignalChunk>> chain = s => s.BandPass(8, 30).Notch(50);
        var (reference, _) = SignalBuilder.Concat(SignalBuilder.Run(SignalBuilder.Chunk(d, data, times, [frames]), chain));
        Gen.Int[1, 200].Array[1, 20].Sample(sizes =>
        {
            var (output, outTimes) = SignalBuilder.Concat(SignalBuilder.Run(SignalBuilder.Chunk(d, data, times, sizes), chain));
            Assert.Equal(reference, output);
            Assert.Equal(times, outTimes);
        }, iter: 50);
    }

    [Fact]
    public void Frequency_above_nyquist_is_a_pipeline_error()
    {
        var d = SignalBuilder.Description(1, 100);
        var chunks = SignalBuilder.Chunk(d, new float[10], SignalBuilder.Times(10, 100), [10]);
        var e = Assert.Throws<PipelineException>(() => SignalBuilder.Run(chunks, s => s.BandPass(8, 60)));
        Assert.Contains("60", e.Message);
    }
}

public class SosDesignTests
{
    [Theory]
    [InlineData(0.5, 40, 1000, 4)]
    [InlineData(1, 4, 500, 6)]
    [InlineData(8, 30, 160, 4)]
    [InlineData(0.1, 45, 250, 3)]
    public void Band_pass_designs_have_butterworth_edges_at_low_normalized_frequency(double low, double high, double rate, int order)
    {
        var sos = SosCascade.ButterworthBandPass(low, high, rate, order);
        Assert.Equal(order, sos.Sections);
        Assert.InRange(SignalBuilder.Db(sos.MagnitudeAt(low, rate)), -3.5, -2.5);
        Assert.InRange(SignalBuilder.Db(sos.MagnitudeAt(high, rate)), -3.5, -2.5);
        Assert.InRange(SignalBuilder.Db(sos.MagnitudeAt(Math.Sqrt(low * high), rate)), -0.5, 0.5);
        // Stable: the impulse response dies out.
        var state = sos.CreateState(1);
        var x = new float[1];
        var y = new float[1];
        double tail = 0;
        for (int n = 0; n < (int)(rate * 120); n++)
        {
            x[0] = n == 0 ? 1 : 0;
            sos.Process(x, y, 1, state);
            if (n > rate * 110) tail = Math.Max(tail, Math.Abs(y[0]));
        }
        Assert.True(tail < 1e-6, $"impulse response still {tail} after 110 s");
    }
}
