namespace Pipeline.Sources.Simulation;

/// <summary>
/// Draws the trial sequence of a run: classes in shuffled balanced blocks, rest lengths, and each trial's ERD
/// depth. It has its own random stream, so the schedule is the same whatever the signal settings are.
/// </summary>
internal sealed class TrialScheduler
{
    /// <summary>One planned trial in sample indices.</summary>
    internal readonly record struct Plan(int Index, int ClassIndex, long StartSample, long CueSample, long ImageryEndSample, long NextStartSample, double ErdDepth);

    private SimulationRandom _random;
    private readonly int[] _block;
    private int _blockPosition;
    private readonly long _fixationSamples;
    private readonly long _imagerySamples;
    private readonly double _restMin, _restMax, _rate, _depth, _variability;
    private long _nextStart;
    private int _nextIndex;

    public TrialScheduler(MotorImagerySimulatorOptions options)
    {
        _random = new SimulationRandom(options.Seed, stream: 1);
        _rate = options.SamplingRate;
        _block = new int[options.Classes.Count * options.TrialsPerClassPerBlock];
        for (var i = 0; i < _block.Length; i++) _block[i] = i % options.Classes.Count;
        _blockPosition = _block.Length; // shuffle before the first trial
        _fixationSamples = (long)Math.Round(options.FixationSeconds * _rate);
        _imagerySamples = Math.Max(1, (long)Math.Round(options.ImagerySeconds * _rate));
        _restMin = options.RestMinSeconds;
        _restMax = options.RestMaxSeconds;
        _depth = options.ErdDepth;
        _variability = options.ErdVariability;
    }

    /// <summary>The next trial; allocation-free.</summary>
    public Plan Next()
    {
        if (_blockPosition == _block.Length)
        {
            // Fisher-Yates: every block holds each class equally often, in a new order.
            for (var i = _block.Length - 1; i > 0; i--)
            {
                var j = _random.NextInt(i + 1);
                (_block[i], _block[j]) = (_block[j], _block[i]);
            }
            _blockPosition = 0;
        }
        var classIndex = _block[_blockPosition++];
        var start = _nextStart;
        var cue = start + _fixationSamples;
        var end = cue + _imagerySamples;
        var rest = (long)Math.Round((_restMin + (_restMax - _restMin) * _random.NextDouble()) * _rate);
        var next = Math.Max(end + rest, start + 1);
        var depth = Math.Clamp(_depth * (1 + _variability * _random.NextGaussian()), 0, 0.95);
        _nextStart = next;
        return new Plan(_nextIndex++, classIndex, start, cue, end, next, depth);
    }
}
