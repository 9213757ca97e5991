using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Evaluation;

/// <summary>
/// Scores a live or replayed session against the recording's cue markers. A cue whose marker maps to a class opens a
/// trial whose epoch is [cue + tmin, cue + tmax] (the epoch the model was trained on). Three numbers come out:
/// <list type="bullet">
/// <item><see cref="TrialAccuracy"/>: the session cuts each trial's cue-locked epoch online from the same preprocessed
/// stream as its sliding windows, aligns it with the alignment in force when the epoch ends, and classifies it; a trial
/// is correct when the argmax of that prediction is the cued class. This is exactly what <c>pipeline epochs</c> cuts
/// offline, so an offline evaluation of the same model on those epochs (with the same alignment) gives the same
/// per-trial predictions.</item>
/// <item><see cref="WindowTrialAccuracy"/>: the sliding-window figure. A window belongs to a trial when at least
/// <c>minOverlap</c> of it lies inside the trial's epoch; a trial is correct when the argmax of the summed (equivalently:
/// mean) probabilities of its windows is the cued class. What a live decoder that only slides would show.</item>
/// <item><see cref="WindowAccuracy"/>: the fraction of those in-trial windows whose own argmax is the cued class.</item>
/// </list>
/// </summary>
public sealed class OnlineAccuracy
{
    private readonly Dictionary<string, int> _classOfMarker;
    private readonly double _tmin;
    private readonly double _tmax;
    private readonly double _minOverlap;
    private readonly List<Trial> _trials = [];
    // A run holds tens of trials: room for them up front, so a trial costs only its own result.
    private readonly List<TrialResult> _results = new(64);
    private readonly int _classes;
    private long _windows;
    private long _correctWindows;
    private int _correctTrials;

    /// <summary>Creates the scorer. <paramref name="markerToClass"/> maps cue texts to class indices.</summary>
    public OnlineAccuracy(IReadOnlyDictionary<string, int> markerToClass, int classes, double tmin, double tmax, double minOverlap = 0.75)
    {
        ArgumentNullException.ThrowIfNull(markerToClass);
        if (!(tmax > tmin)) throw new ArgumentException("The epoch must end after it starts.", nameof(tmax));
        _classOfMarker = new Dictionary<string, int>(markerToClass, StringComparer.Ordinal);
        _classes = classes;
        _tmin = tmin;
        _tmax = tmax;
        _minOverlap = minOverlap;
    }

    /// <summary>The cue markers that open trials (those mapped to a class).</summary>
    public IReadOnlyCollection<string> CueMarkers => _classOfMarker.Keys;
    /// <summary>Epoch start relative to the cue, s.</summary>
    public double TMin => _tmin;
    /// <summary>Epoch end relative to the cue, s.</summary>
    public double TMax => _tmax;
    /// <summary>Windows that fell into a trial.</summary>
    public long Windows => _windows;
    /// <summary>Cues of known classes seen so far.</summary>
    public int Cues => _trials.Count;
    /// <summary>Trials whose cue-locked epoch was classified.</summary>
    public int Trials => _results.Count;
    /// <summary>Trials with at least one sliding window.</summary>
    public int WindowTrials => _trials.Count(t => t.Windows > 0);
    /// <summary>Fraction of in-trial windows classified correctly (null before any).</summary>
    public double? WindowAccuracy => _windows == 0 ? null : (double)_correctWindows / _windows;
    /// <summary>Fraction of trials whose cue-locked epoch, classified online, is the cued class (null before any).</summary>
    public double? TrialAccuracy => _results.Count == 0 ? null : (double)_correctTrials / _results.Count;
    /// <summary>Fraction of trials whose summed sliding-window probabilities pick the cued class (null before any).</summary>
    public double? WindowTrialAccuracy
    {
        get
        {
            var scored = _trials.Where(t => t.Windows > 0).ToList();
            return scored.Count == 0 ? null : (double)scored.Count(t => t.ArgMax() == t.Class) / scored.Count;
        }
    }
    /// <summary>Every trial scored by its epoch, in the order classified.</summary>
    public IReadOnlyList<TrialResult> TrialResults => _results;

    /// <summary>True when the recording's cue markers include any class of the model.</summary>
    public bool HasCues => _trials.Count > 0;

    /// <summary>The class index of a cue marker, or -1 when the marker opens no trial.</summary>
    public int ClassOf(string marker) => _classOfMarker.TryGetValue(marker, out var c) ? c : -1;

    /// <summary>Feeds a marker; cues of known classes open trials, other markers are ignored.</summary>
    public void OnMarker(Marker marker)
    {
        if (_classOfMarker.TryGetValue(marker.Text, out var c)) _trials.Add(new Trial(marker.Timestamp, c, _classes));
    }

    /// <summary>
    /// Scores the prediction for one trial's cue-locked epoch (cut for the cue <paramref name="marker"/> at
    /// <paramref name="cueTime"/>). Returns the cued class index, or -1 when the marker opens no trial.
    /// </summary>
    public int OnTrial(string marker, double cueTime, ReadOnlySpan<float> probabilities)
    {
        ArgumentNullException.ThrowIfNull(marker);
        if (!_classOfMarker.TryGetValue(marker, out var c)) return -1;
        var predicted = ArgMax(probabilities[.._classes]);
        if (predicted == c) _correctTrials++;
        _results.Add(new TrialResult(marker, cueTime, c, predicted, probabilities[.._classes].ToArray()));
        return c;
    }

    /// <summary>
    /// Scores one sliding-window prediction (its values are class probabilities); sets <see cref="Prediction.Truth"/>
    /// to the cued class name when the window belongs to a trial. Returns that class index, or -1.
    /// </summary>
    public int OnPrediction(Prediction prediction, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        prediction.Truth = null;
        var length = prediction.EndTime - prediction.StartTime;
        // Search backwards: the matching trial is one of the last few cues.
        for (var i = _trials.Count - 1; i >= 0; i--)
        {
            var t = _trials[i];
            var start = t.Cue + _tmin;
            var end = t.Cue + _tmax;
            if (end < prediction.StartTime) break;
            var overlap = Math.Min(end, prediction.EndTime) - Math.Max(start, prediction.StartTime);
            var needed = _minOverlap * Math.Min(length, end - start);
            if (overlap < needed || overlap <= 0) continue;
            t.Add(prediction.Values);
            _windows++;
            if (ArgMax(prediction.Values.AsSpan(0, _classes)) == t.Class) _correctWindows++;
            prediction.Truth = classNames[t.Class];
            return t.Class;
        }
        return -1;
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        var best = 0;
        for (var i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private sealed class Trial(double cue, int cls, int classes)
    {
        private readonly double[] _sum = new double[classes];
        public double Cue { get; } = cue;
        public int Class { get; } = cls;
        public int Windows { get; private set; }

        public void Add(float[] probabilities)
        {
            for (var i = 0; i < _sum.Length; i++) _sum[i] += probabilities[i];
            Windows++;
        }

        public int ArgMax()
        {
            var best = 0;
            for (var i = 1; i < _sum.Length; i++) if (_sum[i] > _sum[best]) best = i;
            return best;
        }
    }
}
