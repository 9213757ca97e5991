namespace Pipeline.Lsl;

/// <summary>
/// The optional timestamp post-processing of an inlet (liblsl's <c>time_postprocessor</c>): clock sync, dejitter and
/// monotonize, in that order. Runs on the pulling thread, one call per sample, allocation- and lock-free.
/// </summary>
internal sealed class TimePostProcessor
{
    private readonly ProcessingOptions _options;
    private readonly Func<TimeCorrectionEstimator.TimeEstimate> _estimate;
    private readonly double _period;
    private readonly double _lambda;
    private bool _haveOffset;
    private double _offset;
    private int _offsetEpoch;
    private double _lastOutput = double.NegativeInfinity;
    private long _dejitterIndex;
    private double _dejitterBase = double.NaN;
    private double _s0, _s1, _s2, _st, _snt;

    /// <param name="options">Which steps run.</param>
    /// <param name="estimate">The latest clock-offset estimate (read per sample, so it must be cheap).</param>
    /// <param name="nominalSrate">The stream's rate (dejitter applies to regular streams only).</param>
    /// <param name="smoothingHalftime">Half-time (s) of the dejitter regression's forgetting.</param>
    public TimePostProcessor(ProcessingOptions options, Func<TimeCorrectionEstimator.TimeEstimate> estimate, double nominalSrate, double smoothingHalftime)
    {
        _options = options;
        _estimate = estimate;
        _period = nominalSrate > 0 ? 1.0 / nominalSrate : 0;
        _lambda = nominalSrate > 0 ? Math.Pow(2, -1.0 / (nominalSrate * Math.Max(1e-3, smoothingHalftime))) : 0;
    }

    /// <summary>Whether <see cref="Process"/> changes anything at all.</summary>
    public bool Active => _options != ProcessingOptions.None;

    /// <summary>
    /// Maps one timestamp. <paramref name="firstOfFeed"/> marks the first sample of a new connection (after a
    /// recovery): the samples pushed during the outage are missing, so the dejitter regression starts over.
    /// </summary>
    public double Process(double ts, bool firstOfFeed)
    {
        if (_options == ProcessingOptions.None) return ts;
        if ((_options & ProcessingOptions.ClockSync) != 0)
        {
            var e = _estimate();
            if (e.Valid)
            {
                if (_haveOffset && e.Epoch != _offsetEpoch)
                {
                    // The outlet changed (recovery): the old smoothing and floor belong to its old clock.
                    ResetDejitter();
                    _lastOutput = double.NegativeInfinity;
                }
                _offset = e.Correction;
                _offsetEpoch = e.Epoch;
                _haveOffset = true;
            }
            // While a recovery's new estimate is pending, the last good offset stands (issue: a reconnect used to leave
            // timestamps uncorrected for about 2 s, a jump by the whole clock offset between machines).
            if (_haveOffset) ts += _offset;
        }
        if ((_options & ProcessingOptions.Dejitter) != 0 && _period > 0)
        {
            if (firstOfFeed && !double.IsNaN(_dejitterBase)) ResetDejitter();
            // Exponentially forgetting least squares of t over the sample index: removes network jitter, keeps drift.
            if (double.IsNaN(_dejitterBase)) _dejitterBase = ts;
            var n = (double)_dejitterIndex++;
            var t = ts - _dejitterBase;
            _s0 = _lambda * _s0 + 1; _s1 = _lambda * _s1 + n; _s2 = _lambda * _s2 + n * n; _st = _lambda * _st + t; _snt = _lambda * _snt + n * t;
            var det = _s0 * _s2 - _s1 * _s1;
            if (det > 1e-9)
            {
                var slope = (_s0 * _snt - _s1 * _st) / det;
                var intercept = (_st - slope * _s1) / _s0;
                ts = _dejitterBase + intercept + slope * n;
            }
        }
        if ((_options & ProcessingOptions.Monotonize) != 0)
        {
            if (ts < _lastOutput) ts = _lastOutput;
            _lastOutput = ts;
        }
        return ts;
    }

    private void ResetDejitter()
    {
        _dejitterBase = double.NaN;
        _dejitterIndex = 0;
        _s0 = _s1 = _s2 = _st = _snt = 0;
    }
}
