using Pipeline.Core.Signals;

namespace Pipeline.Sources.Simulation;

/// <summary>
/// A deterministic generator of motor-imagery EEG in microvolts: a spatially mixed 1/f background with slow waves, a posterior
/// alpha rhythm, and mu (~11 Hz) and beta (~21 Hz) rhythms over C3, C4 and Cz whose power drops over the
/// contralateral motor cortex while a hand (or the feet) is imagined. It fills caller-provided frame-major
/// buffers and reports the cue markers that fall into them.
/// </summary>
/// <remarks>
/// The same options (seed included) give bit-identical samples and markers, however the run is cut into calls.
/// After construction, <see cref="Fill"/> allocates nothing (as long as the marker list has room).
/// Left-hand imagery weakens mu/beta over C4, right-hand over C3, feet over Cz; the other motor areas gain a
/// little power (ERS). Every rhythm's amplitude drifts slowly and each trial's ERD depth varies, so the classes
/// overlap a little, as in real recordings. Not thread-safe: one run, one thread.
/// </remarks>
public sealed class MotorImagerySimulator
{
    // Kellet's refined pink-noise filter: six one-pole sections plus direct terms, -3 dB/octave over the band.
    private static readonly double[] PinkPoles = [0.99886, 0.99332, 0.96900, 0.86650, 0.55000, -0.7616];
    private static readonly double[] PinkGains = [0.0555179, 0.0750759, 0.1538520, 0.3104856, 0.5329522, -0.0168980];
    private const double PinkDirect = 0.5362, PinkDelayed = 0.115926;
    private const int PinkSections = 6;

    private const int MuLeft = 1, MuRight = 2, MuMid = 3, BetaLeft = 4, BetaRight = 5, BetaMid = 6, SourceCount = 7;

    private readonly MotorImagerySimulatorOptions _options;
    private readonly int _channels;
    private readonly double _rate;
    private readonly string[] _classNames;
    private readonly string _markerStream;

    private SimulationRandom _random;
    private readonly TrialScheduler _scheduler;
    private TrialScheduler.Plan _trial;

    // Background: per channel pink state (6 sections + previous white), then distance-weighted mixing.
    private readonly double[] _pinkState;
    private readonly double[] _pinkPrevWhite;
    private readonly double[] _background;
    private readonly double[] _slowState;    // per channel unit-variance AR(1) below ~0.5 Hz
    private readonly double _slowPole, _slowKick, _pinkScale, _slowScale;
    private readonly double[] _mixing;        // channels x channels, unit-norm rows

    // Rhythms: resonators driven by white noise, normalised to unit RMS.
    private readonly double[] _a1 = new double[SourceCount], _a2 = new double[SourceCount], _norm = new double[SourceCount];
    private readonly double[] _y1 = new double[SourceCount], _y2 = new double[SourceCount];
    private readonly double[] _logDrift = new double[SourceCount];
    private readonly double[] _gain = new double[SourceCount], _targetGain = new double[SourceCount];
    private readonly double[] _sourceValue = new double[SourceCount];
    private readonly double[] _sourceToChannel; // channels x sources, microvolts RMS at each channel
    private readonly double _driftDecay, _driftKick, _gainStep;
    private readonly double _noiseRms;

    private readonly double[] _lineAmplitude;
    private readonly double _linePhaseStep;
    private double _linePhase;

    private long _frame;

    /// <summary>Creates a run; throws a <see cref="PipelineException"/> when <paramref name="options"/> cannot work.</summary>
    public MotorImagerySimulator(MotorImagerySimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _channels = options.ChannelLabels.Count;
        _rate = options.SamplingRate;
        _classNames = [.. options.Classes];
        _markerStream = options.StreamName + "-Markers";
        Description = new StreamDescription(options.StreamName, "EEG", [.. options.ChannelLabels], _rate,
            ValueFormat.Float32, Enumerable.Repeat("microvolts", _channels).ToArray(), $"simulator-seed-{options.Seed}");

        _random = new SimulationRandom(options.Seed, stream: 2);
        _scheduler = new TrialScheduler(options);
        _trial = _scheduler.Next();

        var positions = options.ChannelLabels.Select(ElectrodePositions.GetPosition).ToArray();

        _pinkState = new double[_channels * PinkSections];
        _pinkPrevWhite = new double[_channels];
        _background = new double[_channels];
        _mixing = new double[_channels * _channels];
        _pinkScale = options.BackgroundRmsMicrovolts / PinkStandardDeviation();
        _slowState = new double[_channels];
        _slowPole = Math.Exp(-2 * Math.PI * 0.5 / _rate);
        _slowKick = Math.Sqrt(1 - _slowPole * _slowPole);
        _slowScale = options.SlowWaveRmsMicrovolts;
        const double backgroundSpread = 0.25; // neighbours 0.2 apart share much of their background
        for (var c = 0; c < _channels; c++)
        {
            var sumSquares = 0.0;
            for (var j = 0; j < _channels; j++)
            {
                var w = Kernel(positions[c], positions[j], backgroundSpread);
                _mixing[c * _channels + j] = w;
                sumSquares += w * w;
            }
            // Unit-RMS independent sources: a row with unit norm keeps each channel at the requested RMS.
            var scale = 1 / Math.Sqrt(sumSquares);
            for (var j = 0; j < _channels; j++) _mixing[c * _channels + j] *= scale;
        }
        // Start the slow pink sections in their stationary state rather than at zero (no start-up transient).
        for (var c = 0; c < _channels; c++)
            for (var k = 0; k < PinkSections; k++)
                _pinkState[c * PinkSections + k] = PinkGains[k] / Math.Sqrt(1 - PinkPoles[k] * PinkPoles[k]) * _random.NextGaussian();
        for (var c = 0; c < _channels; c++) _slowState[c] = _random.NextGaussian();

        // Individual peak frequencies differ a little from run to run, as between people.
        var alphaHz = 10.0 + (_random.NextDouble() - 0.5);
        var muHz = 11.0 + (_random.NextDouble() - 0.5);
        var betaHz = 21.0 + 2 * (_random.NextDouble() - 0.5);
        (double X, double Y) poz = (0, -0.6), c3 = (-0.4, 0), c4 = (0.4, 0), cz = (0, 0);
        var sources = new (double Hz, double BandwidthHz, (double X, double Y) At, double Spread, double Rms)[]
        {
            (alphaHz, 1.5, poz, 0.35, options.AlphaRmsMicrovolts),
            (muHz - 0.2, 2.0, c3, 0.2, options.MuRmsMicrovolts),
            (muHz + 0.2, 2.0, c4, 0.2, options.MuRmsMicrovolts),
            (muHz, 2.0, cz, 0.2, options.MuRmsMicrovolts),
            (betaHz - 0.5, 4.0, c3, 0.2, options.BetaRmsMicrovolts),
            (betaHz + 0.5, 4.0, c4, 0.2, options.BetaRmsMicrovolts),
            (betaHz, 4.0, cz, 0.2, options.BetaRmsMicrovolts),
        };
        _sourceToChannel = new double[_channels * SourceCount];
        for (var s = 0; s < SourceCount; s++)
        {
            var (hz, bandwidth, at, spread, rms) = sources[s];
            hz = Math.Min(hz, 0.45 * _rate);
            var r = Math.Exp(-Math.PI * bandwidth / _rate);
            _a1[s] = 2 * r * Math.Cos(2 * Math.PI * hz / _rate);
            _a2[s] = -r * r;
            // Variance of the AR(2) resonator for unit white input.
            var variance = (1 - _a2[s]) / ((1 + _a2[s]) * ((1 - _a2[s]) * (1 - _a2[s]) - _a1[s] * _a1[s]));
            _norm[s] = 1 / Math.Sqrt(variance);
            _y1[s] = _random.NextGaussian() * Math.Sqrt(variance);
            _y2[s] = _random.NextGaussian() * Math.Sqrt(variance);
            _gain[s] = _targetGain[s] = 1;
            _logDrift[s] = options.AmplitudeDrift * _random.NextGaussian();
            for (var c = 0; c < _channels; c++)
                _sourceToChannel[c * SourceCount + s] = rms * Kernel(positions[c], at, spread);
        }
        _driftDecay = Math.Exp(-1 / (options.DriftTimeConstantSeconds * _rate));
        _driftKick = options.AmplitudeDrift * Math.Sqrt(1 - _driftDecay * _driftDecay);
        _gainStep = 1 - Math.Exp(-1 / (options.ErdTimeConstantSeconds * _rate));
        _noiseRms = options.NoiseRmsMicrovolts;

        _lineAmplitude = new double[_channels];
        for (var c = 0; c < _channels; c++)
            _lineAmplitude[c] = options.LineNoiseMicrovolts * (0.5 + _random.NextDouble());
        _linePhaseStep = 2 * Math.PI * options.LineFrequency / _rate;
    }

    /// <summary>The options of this run.</summary>
    public MotorImagerySimulatorOptions Options => _options;
    /// <summary>The EEG stream this run produces (units: microvolts).</summary>
    public StreamDescription Description { get; }
    /// <summary>The name put into every marker's <see cref="Marker.Stream"/>.</summary>
    public string MarkerStreamName => _markerStream;
    /// <summary>Frames generated so far; the next frame's timestamp is <c>StartTime + FramesGenerated / SamplingRate</c>.</summary>
    public long FramesGenerated => _frame;

    /// <summary>The first <paramref name="count"/> trials a run with <paramref name="options"/> will cue.</summary>
    public static IReadOnlyList<SimulatedTrial> PlanTrials(MotorImagerySimulatorOptions options, int count)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        options.Validate();
        var scheduler = new TrialScheduler(options);
        var trials = new SimulatedTrial[count];
        for (var i = 0; i < count; i++)
        {
            var p = scheduler.Next();
            trials[i] = new SimulatedTrial(p.Index, options.Classes[p.ClassIndex], Time(options, p.StartSample),
                Time(options, p.CueSample), Time(options, p.ImageryEndSample), Time(options, p.NextStartSample));
        }
        return trials;
    }

    private static double Time(MotorImagerySimulatorOptions o, long frame) => o.StartTime + frame / o.SamplingRate;

    /// <summary>
    /// Generates the next <paramref name="frameCount"/> frames into <paramref name="frames"/> (frame-major,
    /// <c>frameCount x channels</c>) and their timestamps, and appends to <paramref name="markers"/> the cue
    /// markers (and <c>trial</c> markers where enabled) whose timestamps are among those frames.
    /// </summary>
    public void Fill(Span<float> frames, Span<double> timestamps, int frameCount, List<Marker>? markers = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        if (frames.Length < frameCount * _channels || timestamps.Length < frameCount)
            throw new ArgumentException($"Buffers for {frameCount} frames x {_channels} channels are too small ({frames.Length} values, {timestamps.Length} timestamps).");

        var channels = _channels;
        var mixing = _mixing.AsSpan(0, channels * channels);
        var toChannel = _sourceToChannel.AsSpan(0, channels * SourceCount);
        for (var f = 0; f < frameCount; f++)
        {
            AdvanceSchedule(markers);
            timestamps[f] = _options.StartTime + _frame / _rate;

            for (var j = 0; j < channels; j++)
            {
                _slowState[j] = _slowPole * _slowState[j] + _slowKick * _random.NextGaussian();
                _background[j] = _pinkScale * NextPink(j) + _slowScale * _slowState[j];
            }

            for (var s = 0; s < SourceCount; s++)
            {
                var y = _a1[s] * _y1[s] + _a2[s] * _y2[s] + _random.NextGaussian();
                _y2[s] = _y1[s];
                _y1[s] = y;
                _logDrift[s] = _logDrift[s] * _driftDecay + _driftKick * _random.NextGaussian();
                _gain[s] += (_targetGain[s] - _gain[s]) * _gainStep;
                _sourceValue[s] = y * _norm[s] * _gain[s] * Math.Exp(_logDrift[s]);
            }

            var line = Math.Sin(_linePhase);
            _linePhase += _linePhaseStep;
            if (_linePhase >= 2 * Math.PI) _linePhase -= 2 * Math.PI;

            var output = frames.Slice(f * channels, channels);
            for (var c = 0; c < channels; c++)
            {
                var row = mixing.Slice(c * channels, channels);
                var v = 0.0;
                for (var j = 0; j < channels; j++) v += row[j] * _background[j];
                var gains = toChannel.Slice(c * SourceCount, SourceCount);
                for (var s = 0; s < SourceCount; s++) v += gains[s] * _sourceValue[s];
                v += _noiseRms * _random.NextGaussian() + _lineAmplitude[c] * line;
                output[c] = (float)v;
            }
            _frame++;
        }
    }

    private double NextPink(int channel)
    {
        var white = _random.NextGaussian();
        var state = _pinkState.AsSpan(channel * PinkSections, PinkSections);
        var sum = PinkDirect * white + PinkDelayed * _pinkPrevWhite[channel];
        for (var k = 0; k < PinkSections; k++)
        {
            state[k] = PinkPoles[k] * state[k] + PinkGains[k] * white;
            sum += state[k];
        }
        _pinkPrevWhite[channel] = white;
        return sum;
    }

    private void AdvanceSchedule(List<Marker>? markers)
    {
        while (_frame >= _trial.NextStartSample) _trial = _scheduler.Next();
        if (_frame == _trial.StartSample)
        {
            if (_options.EmitTrialMarkers)
                markers?.Add(new Marker(Time(_options, _frame), "trial", (_trial.NextStartSample - _trial.StartSample) / _rate, _markerStream));
        }
        if (_frame == _trial.CueSample)
        {
            markers?.Add(new Marker(Time(_options, _frame), _classNames[_trial.ClassIndex], (_trial.ImageryEndSample - _trial.CueSample) / _rate, _markerStream));
            SetTargets(_classNames[_trial.ClassIndex], _trial.ErdDepth);
        }
        if (_frame == _trial.ImageryEndSample)
            SetTargets("rest", 0);
    }

    private void SetTargets(string className, double depth)
    {
        var erd = Math.Sqrt(1 - depth);
        var ers = Math.Sqrt(1 + _options.IpsilateralErs * depth / Math.Max(_options.ErdDepth, 1e-9));
        double left = 1, right = 1, mid = 1;
        switch (className)
        {
            case "left": right = erd; left = ers; break;   // contralateral: the right hemisphere
            case "right": left = erd; right = ers; break;
            case "feet": mid = erd; left = right = ers; break;
        }
        _targetGain[MuLeft] = _targetGain[BetaLeft] = left;
        _targetGain[MuRight] = _targetGain[BetaRight] = right;
        _targetGain[MuMid] = _targetGain[BetaMid] = mid;
    }

    // Gaussian fall-off of a source's field with flat scalp distance.
    private static double Kernel((double X, double Y) a, (double X, double Y) b, double spread)
    {
        var dx = a.X - b.X;
        var dy = a.Y - b.Y;
        return Math.Exp(-(dx * dx + dy * dy) / (2 * spread * spread));
    }

    // Exact standard deviation of the pink filter's output for unit white input (sections share that input).
    private static double PinkStandardDeviation()
    {
        var variance = PinkDirect * PinkDirect + PinkDelayed * PinkDelayed;
        for (var i = 0; i < PinkSections; i++)
        {
            variance += 2 * PinkDirect * PinkGains[i] + 2 * PinkDelayed * PinkPoles[i] * PinkGains[i];
            for (var j = 0; j < PinkSections; j++)
                variance += PinkGains[i] * PinkGains[j] / (1 - PinkPoles[i] * PinkPoles[j]);
        }
        return Math.Sqrt(variance);
    }
}
