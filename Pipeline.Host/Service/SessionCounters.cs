using System.Diagnostics;
using Pipeline.Core.Decisions;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;

namespace Pipeline.Host.Service;

/// <summary>
/// What the service reports about a running session, counted as the last sink of the session (so latency runs to
/// the moment every other sink has its prediction) and from the source's events. Written by the session's thread
/// only, read by HTTP and metrics threads: plain volatile counters, no locks on the session's path.
/// </summary>
internal sealed class SessionCounters(System.Diagnostics.Metrics.Histogram<double>? latencyHistogram = null, string session = "") : IPipelineSink
{
    private readonly KeyValuePair<string, object?> _sessionTag = new("session", session);
    private const int LatencyCapacity = 1024;
    private readonly double[] _latency = new double[LatencyCapacity];
    private long _latencyCount;
    private long _frames, _markers, _windows, _predictions, _commands, _gaps, _trials, _correctTrials;
    private double _rateHz;
    private long _rateFrames, _rateTicks;

    /// <summary>Frames received from the source.</summary>
    public long Frames => Volatile.Read(ref _frames);
    /// <summary>Markers received from the source.</summary>
    public long Markers => Volatile.Read(ref _markers);
    /// <summary>Windows cut (predicted or skipped).</summary>
    public long Windows => Volatile.Read(ref _windows);
    /// <summary>Windows without a prediction: skipped (non-finite samples) or dropped at a shared runner.</summary>
    public long Skipped => Math.Max(0, Windows - Volatile.Read(ref _predictions));
    /// <summary>Commands decided.</summary>
    public long Commands => Volatile.Read(ref _commands);
    /// <summary>Gaps in the input.</summary>
    public long Gaps => Volatile.Read(ref _gaps);
    /// <summary>Cued trials whose epoch was classified.</summary>
    public long Trials => Volatile.Read(ref _trials);
    /// <summary>Of those, the trials classified as cued.</summary>
    public long CorrectTrials => Volatile.Read(ref _correctTrials);
    /// <summary>Input rate over the last sampling period (<see cref="SampleRate"/>), frames per second.</summary>
    public double InputRateHz => Volatile.Read(ref _rateHz);

    /// <summary>Counts a source event (called on the session's thread, before the session sees it).</summary>
    public void OnSourceEvent(SourceEvent e)
    {
        if (e.Chunk is { } c) Volatile.Write(ref _frames, _frames + c.Frames);
        else if (e.IsMarker) Volatile.Write(ref _markers, _markers + 1);
    }

    /// <summary>Updates <see cref="InputRateHz"/> from the frames since the last call (the host calls it about once a second).</summary>
    public void SampleRate()
    {
        var now = Stopwatch.GetTimestamp();
        var frames = Frames;
        if (_rateTicks != 0 && now > _rateTicks)
            Volatile.Write(ref _rateHz, (frames - _rateFrames) * (double)Stopwatch.Frequency / (now - _rateTicks));
        _rateFrames = frames;
        _rateTicks = now;
    }

    /// <summary>Latency quantile (0..1) over the last 1024 windows, ms; null before the first.</summary>
    public double? LatencyQuantile(double q)
    {
        var n = (int)Math.Min(Volatile.Read(ref _latencyCount), LatencyCapacity);
        if (n == 0) return null;
        var copy = _latency.AsSpan(0, n).ToArray();
        Array.Sort(copy);
        return LatencyRecorder.QuantileOfSorted(copy, q);
    }

    /// <inheritdoc />
    public void OnPrediction(Prediction prediction)
    {
        Volatile.Write(ref _windows, Math.Max(_windows, prediction.WindowIndex + 1));
        Volatile.Write(ref _predictions, _predictions + 1);
        if (prediction.NewestArrivalTicks != 0)
        {
            var ms = Stopwatch.GetElapsedTime(prediction.NewestArrivalTicks).TotalMilliseconds;
            _latency[_latencyCount % LatencyCapacity] = ms;
            latencyHistogram?.Record(ms / 1000, _sessionTag);
            Volatile.Write(ref _latencyCount, _latencyCount + 1);
        }
    }

    /// <inheritdoc />
    public void OnTrial(Prediction trial)
    {
        if (trial.Truth is null) return;
        if (trial.Truth == trial.Label) Volatile.Write(ref _correctTrials, _correctTrials + 1);
        Volatile.Write(ref _trials, _trials + 1);
    }

    /// <inheritdoc />
    public void OnCommand(Command command) => Volatile.Write(ref _commands, _commands + 1);

    /// <inheritdoc />
    public void OnMarker(Marker marker) { }

    /// <inheritdoc />
    public void OnGap(Gap gap) => Volatile.Write(ref _gaps, _gaps + 1);

    /// <inheritdoc />
    public void OnCompleted(SessionSummary summary)
    {
        // The summary knows the windows skipped at the very end, after the last prediction.
        Volatile.Write(ref _windows, Math.Max(_windows, summary.Windows));
    }

    /// <inheritdoc />
    public void Dispose() { }
}
