using System.Numerics;
using NWaves.Filters.Base;
using NWaves.Filters.Fda;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Dsp;

/// <summary>
/// A causal IIR filter as a cascade of second-order sections, run in double precision (direct form II
/// transposed) on frame-major float32 data with one state per channel and section. High-order IIR filters
/// at low normalized frequencies (8-30 Hz at 250 Hz, a 0.5 Hz high-pass) are unstable in direct form and in
/// float; sections in double are not. Butterworth designs come straight from the prototype poles (bilinear
/// transform, pre-warped edges) rather than through NWaves' transfer-function-to-sections path, which
/// loses precision at these frequencies (a 1-4 Hz order-6 band-pass came out 90 dB off); the notch is NWaves'.
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
        double w1 = Prewarp(low, rate), w2 = Prewarp(high, rate), bw = w2 - w1, w0sq = w1 * w2;
        var poles = new List<Complex>();
        foreach (var p in PrototypePoles(order))
        {
            // Low-pass to band-pass: each prototype pole becomes the two roots of s^2 - p bw s + w0^2.
            var half = p * bw / 2;
            var root = Complex.Sqrt(half * half - w0sq);
            poles.Add(Bilinear(half + root));
            poles.Add(Bilinear(half - root));
        }
        var zeros = Enumerable.Range(0, 2 * order).Select(i => i % 2 == 0 ? 1.0 : -1.0).ToList();
        // Unit gain at the analog centre frequency sqrt(w1 w2), mapped back through the bilinear transform.
        double centre = Math.Atan(Math.Sqrt(w0sq) / 2) * rate / Math.PI;
        return FromPolesAndZeros(poles, zeros, centre / rate);
    }

    /// <summary>A Butterworth high-pass of <paramref name="order"/> at <paramref name="frequency"/> Hz.</summary>
    public static SosCascade ButterworthHighPass(double frequency, double rate, int order = 4)
    {
        CheckOrder(order);
        CheckFrequency(frequency, rate, "high-pass cut-off");
        double wc = Prewarp(frequency, rate);
        var poles = PrototypePoles(order).Select(p => Bilinear(wc / p)).ToList();
        return FromPolesAndZeros(poles, Enumerable.Repeat(1.0, order).ToList(), 0.5);
    }

    /// <summary>A Butterworth low-pass of <paramref name="order"/> at <paramref name="frequency"/> Hz.</summary>
    public static SosCascade ButterworthLowPass(double frequency, double rate, int order = 4)
    {
        CheckOrder(order);
        CheckFrequency(frequency, rate, "low-pass cut-off");
        double wc = Prewarp(frequency, rate);
        var poles = PrototypePoles(order).Select(p => Bilinear(wc * p)).ToList();
        return FromPolesAndZeros(poles, Enumerable.Repeat(-1.0, order).ToList(), 0);
    }

    // Designing from poles keeps full precision; expanding a high-order polynomial and refactoring it
    // (transfer function to sections) loses it at low normalized frequencies.
    private static IEnumerable<Complex> PrototypePoles(int order) =>
        Enumerable.Range(0, order).Select(k => Complex.FromPolarCoordinates(1, Math.PI * (2 * k + order + 1) / (2 * order)));

    // Analog frequency (rad per sample, bilinear with T = 1) whose digital image is f.
    private static double Prewarp(double f, double rate) => 2 * Math.Tan(Math.PI * f / rate);

    private static Complex Bilinear(Complex s) => (2 + s) / (2 - s);

    // Pairs conjugate poles (and real poles two by two) into sections, gives each section zeros from the
    // list in order, and scales each section to unit gain at the normalized frequency reference (f / rate).
    private static SosCascade FromPolesAndZeros(List<Complex> poles, List<double> zeros, double reference)
    {
        var denominators = new List<double[]>();
        foreach (var p in poles.Where(p => p.Imaginary > 1e-12).OrderBy(p => p.Magnitude))
            denominators.Add([1, -2 * p.Real, p.Magnitude * p.Magnitude]);
        var real = poles.Where(p => Math.Abs(p.Imaginary) <= 1e-12).Select(p => p.Real).ToList();
        for (int i = 0; i + 1 < real.Count; i += 2) denominators.Add([1, -(real[i] + real[i + 1]), real[i] * real[i + 1]]);
        if (real.Count % 2 == 1) denominators.Add([1, -real[^1], 0]);

        var sections = new List<TransferFunction>();
        int z = 0;
        foreach (var a in denominators)
        {
            double[] b;
            if (a[2] == 0 || z + 1 >= zeros.Count) { b = [1, -zeros[z], 0]; z++; }
            else { b = [1, -(zeros[z] + zeros[z + 1]), zeros[z] * zeros[z + 1]]; z += 2; }
            var e1 = Complex.Exp(new Complex(0, -2 * Math.PI * reference));
            var e2 = e1 * e1;
            double gain = ((b[0] + b[1] * e1 + b[2] * e2) / (a[0] + a[1] * e1 + a[2] * e2)).Magnitude;
            sections.Add(new TransferFunction([b[0] / gain, b[1] / gain, b[2] / gain], a));
        }
        return new SosCascade(sections);
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
    /// <paramref name="output"/> (may be the same memory), advancing <paramref name="state"/>. A non-finite input sample
    /// is passed through unchanged and restarts that channel's filter from rest.
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
                if (!double.IsFinite(x))
                {
                    // A NaN or infinity would poison the recursive state forever: pass it on (so windows holding it
                    // are skipped downstream) and restart this channel's filter from rest.
                    Array.Clear(state, z, sections * 2);
                    output[baseIndex + ch] = (float)x;
                    continue;
                }
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
