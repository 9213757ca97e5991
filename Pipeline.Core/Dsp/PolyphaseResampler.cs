using NWaves.Filters.Fda;
using NWaves.Windows;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Dsp;

/// <summary>
/// Streaming rational resampler (up / down) with an anti-aliasing polyphase FIR: a Blackman-windowed sinc
/// designed by NWaves, cut off at 85% of the lower of the two Nyquist frequencies, at least 40 taps per
/// output-rate cycle. State (input history) carries across chunks, so the output does not depend on how the
/// input was chunked.
/// </summary>
/// <remarks>
/// Timestamps: output frame m sits at input position m·down/up minus the FIR group delay ((N-1)/2 taps at the
/// up-sampled rate), and gets the timestamp interpolated linearly between the two input frames that bracket
/// that position (extrapolated with the nominal rate before the first input frame). The delay is thus
/// compensated in the timestamps: a feature at input time t appears in the output near timestamp t.
/// Gaps in the input are not special: the filter runs over them, and output frames inside a gap get
/// interpolated timestamps, so resample after gap-sensitive steps or detect gaps on the input.
/// </remarks>
public sealed class PolyphaseResampler
{
    private readonly int _channels;
    private readonly int _taps;       // taps per phase
    private readonly double[] _phases; // [phase * _taps + j] = up * h[phase + j * up]
    private readonly float[] _history; // ring of the last _taps input frames, frame-major
    private readonly double[] _times;  // ring of their timestamps
    private readonly double _delay;    // group delay in input samples
    private readonly double _inputPeriod;
    private long _inCount;
    private long _outCount;
    private double _firstTime;

    /// <summary>Creates a resampler by <paramref name="up"/>/<paramref name="down"/> for <paramref name="channels"/> channels at <paramref name="inputRate"/> Hz.</summary>
    public PolyphaseResampler(int up, int down, int channels, double inputRate)
    {
        if (up < 1 || down < 1) throw new PipelineException($"The resampling ratio {up}/{down} is invalid; give positive integers.");
        if (up > 1000 || down > 1000) throw new PipelineException($"The resampling ratio {up}/{down} is too fine; choose rates whose ratio reduces to integers up to 1000.");
        if (!(inputRate > 0)) throw new PipelineException("The stream has no regular sampling rate; resampling needs a stream with a nominal rate.");
        var g = Gcd(up, down);
        Up = up / g;
        Down = down / g;
        _channels = channels;
        _inputPeriod = 1 / inputRate;
        InputRate = inputRate;
        int l = Math.Max(Up, Down);
        _taps = Math.Max(2, (40 * l + Up - 1) / Up);
        int n = _taps * Up;
        var h = DesignFilter.FirWinLp(n, 0.85 * 0.5 / l, WindowType.Blackman);
        double sum = 0;
        foreach (var v in h) sum += v;
        _phases = new double[n];
        for (int p = 0; p < Up; p++)
            for (int j = 0; j < _taps; j++)
            {
                int k = p + j * Up;
                // Normalize to unit DC gain, times up for the zeros that up-sampling inserts.
                _phases[p * _taps + j] = k < h.Length ? Up * h[k] / sum : 0;
            }
        _delay = (h.Length - 1) / 2.0 / Up;
        _history = new float[_taps * Math.Max(1, channels)];
        _times = new double[_taps];
    }

    /// <summary>Up-sampling factor (reduced).</summary>
    public int Up { get; }
    /// <summary>Down-sampling factor (reduced).</summary>
    public int Down { get; }
    /// <summary>Input rate in Hz.</summary>
    public double InputRate { get; }
    /// <summary>Output rate in Hz.</summary>
    public double OutputRate => InputRate * Up / Down;
    /// <summary>The FIR group delay in seconds, compensated in the output timestamps.</summary>
    public double GroupDelaySeconds => _delay * _inputPeriod;

    /// <summary>The largest number of output frames <paramref name="inputFrames"/> input frames can produce.</summary>
    public int MaxOutputFrames(int inputFrames) => (int)((long)inputFrames * Up / Down) + 1;

    /// <summary>
    /// Feeds <paramref name="frames"/> frames (frame-major values, timestamps) and writes the output frames that
    /// became computable into <paramref name="output"/> and <paramref name="outputTimes"/>; returns their count.
    /// </summary>
    public int Process(ReadOnlySpan<float> input, ReadOnlySpan<double> times, int frames, Span<float> output, Span<double> outputTimes)
    {
        int c = _channels, taps = _taps, produced = 0;
        for (int f = 0; f < frames; f++)
        {
            if (_inCount == 0) _firstTime = times[f];
            int pos = (int)(_inCount % taps);
            input.Slice(f * c, c).CopyTo(_history.AsSpan(pos * c, c));
            _times[pos] = times[f];
            long newest = _inCount++;
            while (true)
            {
                long n = _outCount * Down;
                if (n / Up != newest) break;
                int phase = (int)(n % Up);
                int offset = phase * taps;
                int jMax = (int)Math.Min(taps, newest + 1);
                int outBase = produced * c;
                for (int ch = 0; ch < c; ch++)
                {
                    double acc = 0;
                    int p = pos;
                    for (int j = 0; j < jMax; j++)
                    {
                        acc += _phases[offset + j] * _history[p * c + ch];
                        p = p == 0 ? taps - 1 : p - 1;
                    }
                    output[outBase + ch] = (float)acc;
                }
                outputTimes[produced] = TimeAt((double)n / Up - _delay, newest);
                produced++;
                _outCount++;
            }
        }
        return produced;
    }

    private double TimeAt(double position, long newest)
    {
        if (position < 0) return _firstTime + position * _inputPeriod;
        long i0 = (long)Math.Floor(position);
        double frac = position - i0;
        double t0 = _times[(int)(i0 % _taps)];
        double t1 = i0 + 1 <= newest ? _times[(int)((i0 + 1) % _taps)] : t0 + _inputPeriod;
        return t0 + frac * (t1 - t0);
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
