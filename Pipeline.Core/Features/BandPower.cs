using NWaves.Transforms;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Features;

/// <summary>
/// Per-channel log10 band power of a window: mean removed, Hann-tapered periodogram (NWaves real FFT,
/// zero-padded to a power of two), summed over the bins inside [low, high] Hz and scaled to signal power
/// (units²). All buffers are made in the constructor, so <see cref="Compute(Window, Span{float})"/> allocates nothing.
/// </summary>
public sealed class BandPower
{
    private readonly RealFft _fft;
    private readonly float[] _taper;
    private readonly float[] _frame;
    private readonly float[] _re;
    private readonly float[] _im;
    private readonly int _firstBin, _lastBin;
    private readonly double _scale;

    /// <summary>Prepares the estimate for windows of <paramref name="samples"/> samples at <paramref name="rate"/> Hz and the band [<paramref name="low"/>, <paramref name="high"/>] Hz.</summary>
    public BandPower(double rate, int samples, double low, double high)
    {
        if (!(rate > 0)) throw new PipelineException("Band power needs a stream with a nominal rate.");
        if (samples < 2) throw new PipelineException($"A window of {samples} samples is too short for band power; use at least 2.");
        if (!(low >= 0) || !(high > low) || high > rate / 2)
            throw new PipelineException($"The band {low}-{high} Hz is not inside 0-{rate / 2} Hz; give 0 <= low < high <= Nyquist.");
        Rate = rate;
        Samples = samples;
        int size = 1;
        while (size < samples) size <<= 1;
        _fft = new RealFft(size);
        _frame = new float[size];
        _re = new float[size];
        _im = new float[size];
        _taper = NWaves.Windows.Window.Hann(samples);
        double sumSq = 0;
        foreach (var w in _taper) sumSq += (double)w * w;
        double binHz = rate / size;
        _firstBin = (int)Math.Ceiling(low / binHz);
        _lastBin = Math.Min(size / 2, (int)Math.Floor(high / binHz));
        if (_lastBin < _firstBin)
            throw new PipelineException($"The band {low}-{high} Hz holds no frequency bin of a {samples}-sample window at {rate} Hz; widen the band or lengthen the window.");
        // Parseval: the sum of |X|^2 over all bins is size x sum((x w)^2), so this turns bins into mean signal power.
        _scale = 1.0 / (size * sumSq);
    }

    /// <summary>Sampling rate the estimate was built for.</summary>
    public double Rate { get; }
    /// <summary>Window length in samples the estimate was built for.</summary>
    public int Samples { get; }

    /// <summary>Writes log10 band power of each channel of <paramref name="window"/> into <paramref name="output"/> (one value per channel).</summary>
    public void Compute(Window window, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.Samples != Samples)
            throw new PipelineException($"The window has {window.Samples} samples but band power was built for {Samples}; build it for the window length.");
        if (output.Length < window.Channels)
            throw new ArgumentException($"The output holds {output.Length} values for {window.Channels} channels.", nameof(output));
        for (int c = 0; c < window.Channels; c++) output[c] = Compute(window.Channel(c));
    }

    /// <summary>log10 band power of one channel's <see cref="Samples"/> samples.</summary>
    public float Compute(ReadOnlySpan<float> channel)
    {
        if (channel.Length != Samples) throw new ArgumentException($"Expected {Samples} samples, got {channel.Length}.", nameof(channel));
        double mean = 0;
        for (int i = 0; i < channel.Length; i++) mean += channel[i];
        mean /= channel.Length;
        for (int i = 0; i < channel.Length; i++) _frame[i] = (float)((channel[i] - mean) * _taper[i]);
        Array.Clear(_frame, channel.Length, _frame.Length - channel.Length);
        _fft.Direct(_frame, _re, _im);
        double sum = 0;
        int nyquist = _frame.Length / 2;
        for (int k = _firstBin; k <= _lastBin; k++)
        {
            double p = (double)_re[k] * _re[k] + (double)_im[k] * _im[k];
            sum += k == 0 || k == nyquist ? p : 2 * p;
        }
        return (float)Math.Log10(Math.Max(sum * _scale, 1e-30));
    }
}
