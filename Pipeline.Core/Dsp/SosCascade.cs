using System.Numerics;
using NWaves.Filters.Base;
using NWaves.Filters.Fda;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Dsp;

/// <summary>
/// A causal IIR filter as a cascade of second-order sections, run in double precision (direct form II
/// transposed) on frame-major float32 data with one state per channel and section. High-order IIR filters
/// at low normalized frequencies (8-30 Hz at 250 Hz, a 0.5 Hz high-pass) are unstable in direct form and in
/// float; sections in double are not. Designs come from NWaves.
/// </summary>
public sealed class SosCascade
{
    // Per section: b0, b1, b2, a1, a2 (a0 normalized to 1).
    private readonly double[] _c;

    /// <summary>Creates a cascade from second-order sections (each numerator and denominator of length 3 or less).</summary>
    public SosCascade(IReadOnlyList<TransferFunction> sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        if (sections.Count == 0) throw new ArgumentException("A cascade needs at least one section.", nameof(sections));
        _c = new double[sections.Count * 5];
        for (int s = 0; s < sections.Count; s++)
        {
            var b = Pad(sections[s].Numerator);
            var a = Pad(sections[s].Denominator);
            if (a[0] == 0) throw new ArgumentException("A section's leading denominator coefficient is zero.", nameof(sections));
            _c[s * 5 + 0] = b[0] / a[0];
            _c[s * 5 + 1] = b[1] / a[0];
            _c[s * 5 + 2] = b[2] / a[0];
            _c[s * 5 + 3] = a[1] / a[0];
            _c[s * 5 + 4] = a[2] / a[0];
        }
    }

    /// <summary>Number of second-order sections.</summary>
    public int Sections => _c.Length / 5;

    /// <summary>A Butterworth band-pass of <paramref name="order"/> (per edge; 2 x order poles) between <paramref name="low"/> and <paramref name="high"/> Hz.</summary>
    public static SosCascade ButterworthBandPass(double low, double high, double rate, int order = 4)
    {
        CheckOrder(order);
        CheckFrequency(low, rate, "low edge");
        CheckFrequency(high, rate, "high edge");
        if (low >= high) throw new PipelineException($"The band {low}-{high} Hz is empty; give a low edge below the high edge.");
        var tf = new NWaves.Filters.Butterworth.BandPassFilter(low / rate, high / rate, order).Tf;
        return new SosCascade(DesignFilter.TfToSos(tf));
    }

    /// <summary>A Butterworth high-pass of <paramref name="order"/> at <paramref name="frequency"/> Hz.</summary>
    public static SosCascade ButterworthHighPass(double frequency, double rate, int order = 4)
    {
        CheckOrder(order);
        CheckFrequency(frequency, rate, "high-pass cut-off");
        return new SosCascade(DesignFilter.TfToSos(new NWaves.Filters.Butterworth.HighPassFilter(frequency / rate, order).Tf));
    }

    /// <summary>A Butterworth low-pass of <paramref name="order"/> at <paramref name="frequency"/> Hz.</summary>
    public static SosCascade ButterworthLowPass(double frequency, double rate, int order = 4)
    {
        CheckOrder(order);
        CheckFrequency(frequency, rate, "low-pass cut-off");
        return new SosCascade(DesignFilter.TfToSos(new NWaves.Filters.Butterworth.LowPassFilter(frequency / rate, order).Tf));
    }

    /// <summary>A second-order notch at <paramref name="frequency"/> Hz with quality factor <paramref name="q"/> (bandwidth = frequency / q).</summary>
    public static SosCascade Notch(double frequency, double rate, double q = 30)
    {
        CheckFrequency(frequency, rate, "notch frequency");
        if (!(q > 0)) throw new PipelineException($"The notch quality factor {q} is not positive; give q > 0 (30 is usual).");
        return new SosCascade([DesignFilter.IirNotch(frequency / rate, q)]);
    }

    /// <summary>The filter state for <paramref name="channels"/> channels (zeros: the filter starts at rest).</summary>
    public double[] CreateState(int channels) => new double[Math.Max(1, channels) * Sections * 2];

    /// <summary>
    /// Filters <paramref name="input"/> (frame-major, <paramref name="channels"/> per frame) into
    /// <paramref name="output"/> (may be the same memory), advancing <paramref name="state"/>.
    /// </summary>
    public void Process(ReadOnlySpan<float> input, Span<float> output, int channels, double[] state)
    {
        int sections = Sections;
        if (state.Length < channels * sections * 2) throw new ArgumentException("The state is too small for the channel count.", nameof(state));
        if (output.Length < input.Length) throw new ArgumentException("The output is shorter than the input.", nameof(output));
        var c = _c;
        int frames = channels == 0 ? 0 : input.Length / channels;
        for (int f = 0; f < frames; f++)
        {
            int baseIndex = f * channels;
            for (int ch = 0; ch < channels; ch++)
            {
                double x = input[baseIndex + ch];
                int z = ch * sections * 2;
                for (int s = 0; s < sections; s++, z += 2)
                {
                    int k = s * 5;
                    double y = c[k] * x + state[z];
                    state[z] = c[k + 1] * x - c[k + 3] * y + state[z + 1];
                    state[z + 1] = c[k + 2] * x - c[k + 4] * y;
                    x = y;
                }
                output[baseIndex + ch] = (float)x;
            }
        }
    }

    /// <summary>The magnitude of the frequency response at <paramref name="frequency"/> Hz.</summary>
    public double MagnitudeAt(double frequency, double rate)
    {
        var z1 = Complex.Exp(new Complex(0, -2 * Math.PI * frequency / rate));
        var z2 = z1 * z1;
        Complex h = 1;
        for (int s = 0; s < Sections; s++)
        {
            int k = s * 5;
            h *= (_c[k] + _c[k + 1] * z1 + _c[k + 2] * z2) / (1 + _c[k + 3] * z1 + _c[k + 4] * z2);
        }
        return h.Magnitude;
    }

    private static double[] Pad(double[] p)
    {
        if (p.Length > 3) throw new ArgumentException("A second-order section has at most three coefficients.");
        var r = new double[3];
        p.CopyTo(r, 0);
        return r;
    }

    private static void CheckOrder(int order)
    {
        if (order < 1 || order > 12) throw new PipelineException($"The filter order {order} is out of range; give 1 to 12 (4 is usual).");
    }

    private static void CheckFrequency(double f, double rate, string what)
    {
        if (!(rate > 0)) throw new PipelineException("The stream has no regular sampling rate; filters need a stream with a nominal rate.");
        if (!(f > 0) || f >= rate / 2)
            throw new PipelineException($"The {what} {f} Hz is outside (0, {rate / 2}) Hz for a {rate} Hz stream; choose a frequency below the Nyquist frequency.");
    }
}
