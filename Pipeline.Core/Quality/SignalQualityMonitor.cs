using Pipeline.Core.Signals;

namespace Pipeline.Core.Quality;

/// <summary>
/// Online channel quality of a stream: every block of <see cref="SignalQualityOptions.BlockSeconds"/> each channel is
/// checked for flatness (standard deviation), railing (samples pinned at the block's extreme value), mains noise
/// (Goertzel power at 50/60 Hz over the power above about 1 Hz) and excessive amplitude (peak with drift removed).
/// Feed it the raw channels (before band-pass and notch, which would hide line noise and drift) with
/// <see cref="Process"/> from the session's thread; read <see cref="Snapshot()"/> from any thread.
/// </summary>
/// <remarks>
/// Per sample and channel it does a few multiply-adds on preallocated state; it allocates nothing per chunk and takes
/// a lock only once per block, to publish the finished block to readers.
/// </remarks>
public sealed class SignalQualityMonitor
{
    private readonly SignalQualityOptions _options;
    private readonly string[] _labels;
    private readonly double[] _toMicrovolts;
    private readonly int _channels;
    private readonly int _blockSamples;
    private readonly double _driftPole;
    private readonly double[] _lineHz;
    private readonly double[] _lineCoefficient;
    private readonly State[] _state;
    private readonly double[] _goertzel; // per channel and line frequency: s1, s2
    private readonly ChannelQuality[] _published;
    private readonly Lock _publishGate = new();
    private int _filled;
    private long _blocks;

    /// <summary>A monitor for a stream's channels.</summary>
    /// <param name="stream">The stream (labels, units and nominal rate) whose chunks will be fed.</param>
    /// <param name="options">Thresholds (null: the defaults).</param>
    public SignalQualityMonitor(StreamDescription stream, SignalQualityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.IsRegular) throw new PipelineException($"The stream '{stream.Name}' has no regular rate, so its channel quality cannot be measured per second.");
        _options = options ?? new SignalQualityOptions();
        if (!(_options.BlockSeconds > 0)) throw new PipelineException($"The quality block of {_options.BlockSeconds} s must be longer than 0 s.");
        Stream = stream;
        _channels = stream.ChannelCount;
        _labels = [.. stream.ChannelLabels];
        _toMicrovolts = [.. stream.ChannelUnits.Select(MicrovoltsPerUnit)];
        Rate = stream.NominalRate;
        _blockSamples = Math.Max(8, (int)Math.Round(_options.BlockSeconds * Rate));
        _driftPole = Math.Exp(-2 * Math.PI * _options.DriftCornerHz / Rate);
        // A mains frequency is only measurable below Nyquist, with at least one bin of room.
        _lineHz = [.. _options.LineFrequencies.Where(f => f > 0 && f < Rate / 2 - Rate / _blockSamples)];
        _lineCoefficient = [.. _lineHz.Select(f => 2 * Math.Cos(2 * Math.PI * f / Rate))];
        _state = new State[_channels];
        _goertzel = new double[_channels * _lineHz.Length * 2];
        _published = new ChannelQuality[_channels];
        for (var c = 0; c < _channels; c++)
        {
            _state[c].Started = false;
            _published[c] = new ChannelQuality(_labels[c], QualityFlags.None, double.NaN, double.NaN, double.NaN, 0, double.NaN);
        }
        ResetBlock();
    }

    /// <summary>The stream this monitor measures.</summary>
    public StreamDescription Stream { get; }
    /// <summary>The stream's nominal rate, Hz.</summary>
    public double Rate { get; }
    /// <summary>The thresholds in use.</summary>
    public SignalQualityOptions Options => _options;
    /// <summary>Samples per measured block.</summary>
    public int BlockSamples => _blockSamples;
    /// <summary>Blocks finished so far (0: <see cref="Snapshot()"/> still holds no measurement).</summary>
    public long Blocks => Volatile.Read(ref _blocks);

    /// <summary>Measures a chunk of this stream (frame-major, as sources and operators emit it).</summary>
    public void Process(SignalChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Channels != _channels)
            throw new PipelineException($"The quality check of '{Stream.Name}' expects {_channels} channels; a chunk has {chunk.Channels}.");
        var samples = chunk.Samples;
        var lines = _lineHz.Length;
        for (var f = 0; f < chunk.Frames; f++)
        {
            var frame = samples.Slice(f * _channels, _channels);
            for (var c = 0; c < _channels; c++)
            {
                double x = frame[c];
                ref var s = ref _state[c];
                if (!double.IsFinite(x))
                {
                    s.NonFinite++;
                    continue;
                }
                if (!s.Started)
                {
                    s.Started = true;
                    s.PreviousX = x; // start the high-pass at the first value, not at 0, so a DC offset is no step
                }
                var repeated = x == s.PreviousX;
                if (s.Count == 0)
                {
                    s.Offset = x;
                    s.Min = s.Max = x;
                    s.AtMin = s.AtMax = 0;
                }
                // Raw moments about the block's first value: no cancellation with large DC offsets.
                var d = x - s.Offset;
                s.Sum += d;
                s.SumSquares += d * d;
                s.Count++;
                // A converter at its limit repeats one value: count repeats at the block's extremes (a sine's peak is never repeated).
                if (x < s.Min) { s.Min = x; s.AtMin = 0; }
                else if (x == s.Min && repeated) s.AtMin++;
                if (x > s.Max) { s.Max = x; s.AtMax = 0; }
                else if (x == s.Max && repeated) s.AtMax++;
                // One-pole DC blocker: y = x - x[-1] + p y[-1], about -3 dB at DriftCornerHz, gain 1 at the mains.
                var y = x - s.PreviousX + _driftPole * s.PreviousY;
                s.PreviousX = x;
                s.PreviousY = y;
                s.HighPassSquares += y * y;
                var ay = Math.Abs(y);
                if (ay > s.Peak) s.Peak = ay;
                for (var k = 0; k < lines; k++)
                {
                    var i = (c * lines + k) * 2;
                    var s0 = y + _lineCoefficient[k] * _goertzel[i] - _goertzel[i + 1];
                    _goertzel[i + 1] = _goertzel[i];
                    _goertzel[i] = s0;
                }
            }
            if (++_filled == _blockSamples) FinishBlock();
        }
    }

    /// <summary>The last finished block of every channel, in stream order (NaN values before the first block).</summary>
    public ChannelQuality[] Snapshot()
    {
        var copy = new ChannelQuality[_channels];
        Snapshot(copy);
        return copy;
    }

    /// <summary>Copies the last finished block of every channel into <paramref name="destination"/> (one per channel).</summary>
    public void Snapshot(Span<ChannelQuality> destination)
    {
        lock (_publishGate) _published.AsSpan().CopyTo(destination);
    }

    private void FinishBlock()
    {
        var lines = _lineHz.Length;
        lock (_publishGate)
        {
            for (var c = 0; c < _channels; c++)
            {
                ref var s = ref _state[c];
                var uv = _toMicrovolts[c];
                if (s.Count < _blockSamples / 2)
                {
                    // Mostly NaN/Inf: nothing to judge the electrode by; the session counts such windows as skipped.
                    _published[c] = new ChannelQuality(_labels[c], QualityFlags.None, double.NaN, double.NaN, double.NaN, 0, double.NaN);
                    continue;
                }
                var n = (double)s.Count;
                var mean = s.Sum / n;
                var std = Math.Sqrt(Math.Max(0, s.SumSquares / n - mean * mean)) * uv;
                var peak = s.Peak * uv;
                var highPassPower = s.HighPassSquares / n;
                var railed = (s.AtMin + s.AtMax) / n;
                double ratio = double.NaN, lineHz = 0;
                for (var k = 0; k < lines; k++)
                {
                    var i = (c * lines + k) * 2;
                    double s1 = _goertzel[i], s2 = _goertzel[i + 1];
                    // |X(f)|² of the block; 2|X|²/N² is the mean power of a sinusoid at f (A²/2 for amplitude A).
                    var magnitude = s1 * s1 + s2 * s2 - _lineCoefficient[k] * s1 * s2;
                    var power = 2 * magnitude / (n * n);
                    var r = highPassPower > 0 ? Math.Min(1, power / highPassPower) : 0;
                    if (double.IsNaN(ratio) || r > ratio) { ratio = r; lineHz = _lineHz[k]; }
                }
                var flags = QualityFlags.None;
                if (std < _options.FlatMicrovolts) flags |= QualityFlags.Flat;
                else
                {
                    if (railed >= _options.RailedFraction) flags |= QualityFlags.Railed;
                    if (ratio >= _options.LineNoiseRatio) flags |= QualityFlags.LineNoise;
                    if (peak > _options.ExcessiveMicrovolts) flags |= QualityFlags.ExcessiveAmplitude;
                }
                _published[c] = new ChannelQuality(_labels[c], flags, std, peak, ratio, lineHz, railed);
            }
            Volatile.Write(ref _blocks, _blocks + 1);
        }
        ResetBlock();
    }

    private void ResetBlock()
    {
        _filled = 0;
        for (var c = 0; c < _channels; c++)
        {
            ref var s = ref _state[c];
            s.Count = 0;
            s.NonFinite = 0;
            s.Sum = s.SumSquares = s.HighPassSquares = s.Peak = 0;
        }
        Array.Clear(_goertzel);
    }

    /// <summary>How many microvolts one unit of a channel is (1 for µV and unknown units).</summary>
    public static double MicrovoltsPerUnit(string? unit) => unit?.Trim() switch
    {
        "V" or "v" or "volt" or "volts" or "Volts" => 1e6,
        "mV" or "millivolt" or "millivolts" => 1e3,
        "nV" or "nanovolt" or "nanovolts" => 1e-3,
        _ => 1,
    };

    private struct State
    {
        public bool Started;
        public int Count, NonFinite;
        public double Offset, Sum, SumSquares, Min, Max;
        public int AtMin, AtMax;
        public double PreviousX, PreviousY, HighPassSquares, Peak;
    }
}
