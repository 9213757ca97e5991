using Pipeline.Core.Inference;

namespace Pipeline.Core.Decisions;

/// <summary>
/// Turns the prediction stream of one session into commands: smoothing over the last k windows (mean or majority),
/// a confidence threshold, a refractory period in signal time, a rest class that never commands, and ignored classes
/// that are decided but not sent. The only state is the last k probability vectors and the time of the last command,
/// so it is a pure function of the prediction sequence; the history starts again at a prediction that starts a new
/// stretch of signal (<see cref="Prediction.StartsSegment"/>: after a gap). Allocation-free per window but for the
/// command it returns.
/// </summary>
public sealed class DecisionMaker
{
    private readonly DecisionOptions _options;
    private readonly IReadOnlyList<string> _classes;
    private readonly string[] _commandNames;
    private readonly int _restIndex;
    private readonly bool[] _ignored;
    private readonly float[] _history;
    private readonly float[] _combined;
    private int _count;
    private int _next;
    private double _lastCommandTime = double.NegativeInfinity;

    /// <summary>Creates the decision layer for the given class names (model output order).</summary>
    public DecisionMaker(IReadOnlyList<string> classes, DecisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _classes = classes;
        _commandNames = classes.Select(c => options.CommandNames.TryGetValue(c, out var n) ? n : c).ToArray();
        _restIndex = options.RestClass is null ? -1 : classes.ToList().FindIndex(c => string.Equals(c, options.RestClass, StringComparison.OrdinalIgnoreCase));
        if (options.RestClass is not null && _restIndex < 0)
            throw new Signals.PipelineException($"The rest class '{options.RestClass}' is not one of the model's classes ({string.Join(", ", classes)}); pick one of those or leave it out.");
        _ignored = classes.Select(c => options.IgnoredClasses.Contains(c)).ToArray();
        _history = new float[options.WindowCount * classes.Count];
        _combined = new float[classes.Count];
    }

    /// <summary>The smoothed probabilities after the last <see cref="Update"/>.</summary>
    public ReadOnlySpan<float> Smoothed => _combined;

    /// <summary>Forgets the history (e.g. after a gap in the signal).</summary>
    public void Reset()
    {
        _count = 0;
        _next = 0;
    }

    /// <summary>The class names, in the order of the probabilities.</summary>
    public IReadOnlyList<string> Classes => _classes;

    /// <summary>Feeds one window's probabilities; returns a command when one is decided, else null.</summary>
    public Command? Update(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (prediction.StartsSegment) Reset();
        var k = _classes.Count;
        var probabilities = prediction.Values.AsSpan(0, k);
        probabilities.CopyTo(_history.AsSpan(_next * k, k));
        _next = (_next + 1) % _options.WindowCount;
        if (_count < _options.WindowCount) _count++;

        _combined.AsSpan().Clear();
        for (var w = 0; w < _count; w++)
        {
            var row = _history.AsSpan(w * k, k);
            if (_options.Smoothing == SmoothingMode.Mean)
            {
                for (var c = 0; c < k; c++) _combined[c] += row[c] / _count;
            }
            else
            {
                _combined[ArgMax(row)] += 1f / _count;
            }
        }
        // Decide only on a full history so a command never rests on fewer windows than asked for.
        if (_count < _options.WindowCount) return null;
        var best = ArgMax(_combined);
        var confidence = _combined[best];
        if (best == _restIndex || confidence < _options.Threshold) return null;
        if (prediction.EndTime - _lastCommandTime < _options.RefractorySeconds) return null;
        _lastCommandTime = prediction.EndTime;
        if (_ignored[best]) return null;
        return new Command(prediction.Session, _commandNames[best], _classes[best], confidence, prediction.EndTime, prediction.WindowIndex, prediction.NewestArrivalTicks);
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        var best = 0;
        for (var i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
