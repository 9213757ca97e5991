using System.Diagnostics;
using Pipeline.Core.Audio;
using Pipeline.Core.Decisions;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Inference;
using Pipeline.Core.Quality;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Monitoring;

/// <summary>
/// What a live view needs from one session, kept in bounded rings that the session writes without waiting and
/// without allocating (frames are copied in; nothing the session reuses is kept): the filtered signal decimated for a
/// scope, channel quality, per-window values (class probabilities) and latencies, commands, markers, gaps, a latency
/// histogram, and for speech the VAD probability and segments. Readers on other threads keep their own cursors; a
/// reader that falls behind loses frames, and the session never notices.
/// </summary>
/// <remarks>
/// Wire it as a sink (predictions, commands, markers, gaps) and with <see cref="OnFilteredChunk"/> and
/// <see cref="OnRawChunk"/> as taps on the operator chain (or the <c>Do</c> operator). Sink calls must not overlap
/// (the sessions serialise them); the two taps run on the source's thread.
/// </remarks>
public sealed class SessionMonitor : IPipelineSink
{
    private readonly ScopeDecimator? _decimator;
    private readonly float[] _latencyFrame = new float[1];
    private readonly float[] _vadFrame = new float[1];
    private long _predictions, _commands, _gaps, _markers;
    private long _completed;

    /// <summary>A monitor for the session <paramref name="session"/>.</summary>
    public SessionMonitor(string session, SessionMonitorLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Session = session;
        Layout = layout;
        var history = Math.Max(16, layout.HistoryCapacity);
        if (layout.Scope is { } scope)
        {
            if (!scope.IsRegular) throw new PipelineException($"The stream '{scope.Name}' has no regular rate; a scope needs one.");
            var probe = new ScopeDecimator(scope.ChannelCount, scope.NominalRate, layout.MaxDisplayRate, new DisplayRing(scope.ChannelCount, 2));
            var frames = Math.Max(16, (int)Math.Ceiling(layout.ScopeSeconds * probe.DisplayRate));
            ScopeRing = new DisplayRing(scope.ChannelCount, frames);
            _decimator = new ScopeDecimator(scope.ChannelCount, scope.NominalRate, layout.MaxDisplayRate, ScopeRing);
        }
        if (layout.Quality is { } raw) Quality = new SignalQualityMonitor(raw, layout.QualityOptions);
        if (layout.Values is { Count: > 0 } values) ValueRing = new DisplayRing(values.Count, history);
        LatencyRing = new DisplayRing(1, history);
        Commands = new EventRing<CommandEvent>(history);
        Markers = new EventRing<Marker>(history);
        Gaps = new EventRing<Gap>(history);
        if (layout.Speech)
        {
            VadRing = new DisplayRing(1, Math.Max(64, (int)(layout.ScopeSeconds * 40)));
            Speech = new EventRing<SpeechEvent>(history);
        }
    }

    /// <summary>The session's name.</summary>
    public string Session { get; }
    /// <summary>What is kept.</summary>
    public SessionMonitorLayout Layout { get; }
    /// <summary>The scope: filtered channels, decimated (null without a scope).</summary>
    public DisplayRing? ScopeRing { get; }
    /// <summary>Scope frames per second (0 without a scope).</summary>
    public double ScopeRate => _decimator?.DisplayRate ?? 0;
    /// <summary>Channel quality of the raw channels (null without a quality check).</summary>
    public SignalQualityMonitor? Quality { get; }
    /// <summary>Per-window values (class probabilities or band power), timed at each window's last sample.</summary>
    public DisplayRing? ValueRing { get; }
    /// <summary>Per-window latency, ms, from the newest sample's arrival to this monitor, timed like <see cref="ValueRing"/>.</summary>
    public DisplayRing LatencyRing { get; }
    /// <summary>Latency of every window so far, seconds.</summary>
    public LatencyHistogram Latency { get; } = new();
    /// <summary>Commands with their latency.</summary>
    public EventRing<CommandEvent> Commands { get; }
    /// <summary>Markers (cues) that passed the session.</summary>
    public EventRing<Marker> Markers { get; }
    /// <summary>Gaps in the input.</summary>
    public EventRing<Gap> Gaps { get; }
    /// <summary>VAD speech probability per frame (speech sessions).</summary>
    public DisplayRing? VadRing { get; }
    /// <summary>Classified speech segments (speech sessions).</summary>
    public EventRing<SpeechEvent>? Speech { get; }

    /// <summary>Windows with a prediction so far.</summary>
    public long Predictions => Volatile.Read(ref _predictions);
    /// <summary>Commands so far.</summary>
    public long CommandCount => Volatile.Read(ref _commands);
    /// <summary>Gaps so far.</summary>
    public long GapCount => Volatile.Read(ref _gaps);
    /// <summary>Markers so far.</summary>
    public long MarkerCount => Volatile.Read(ref _markers);
    /// <summary>True once the session ended.</summary>
    public bool Completed => Volatile.Read(ref _completed) != 0;

    /// <summary>A tap after filtering: the scope's signal.</summary>
    public void OnFilteredChunk(SignalChunk chunk) => _decimator?.Process(chunk);

    /// <summary>A tap before filtering: the channel-quality check.</summary>
    public void OnRawChunk(SignalChunk chunk) => Quality?.Process(chunk);

    /// <inheritdoc />
    public void OnPrediction(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var latency = prediction.NewestArrivalTicks != 0 ? Stopwatch.GetElapsedTime(prediction.NewestArrivalTicks).TotalMilliseconds : double.NaN;
        if (ValueRing is { } values && prediction.Values.Length == values.Width) values.Append(prediction.Values, prediction.EndTime);
        _latencyFrame[0] = (float)latency;
        LatencyRing.Append(_latencyFrame, prediction.EndTime);
        Latency.Record(latency / 1000);
        Volatile.Write(ref _predictions, _predictions + 1);
    }

    /// <inheritdoc />
    public void OnCommand(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var latency = command.NewestArrivalTicks != 0 ? Stopwatch.GetElapsedTime(command.NewestArrivalTicks).TotalMilliseconds : double.NaN;
        Commands.Append(new CommandEvent(command, latency));
        Volatile.Write(ref _commands, _commands + 1);
    }

    /// <inheritdoc />
    public void OnMarker(Marker marker)
    {
        Markers.Append(marker);
        Volatile.Write(ref _markers, _markers + 1);
    }

    /// <inheritdoc />
    public void OnGap(Gap gap)
    {
        Gaps.Append(gap);
        Volatile.Write(ref _gaps, _gaps + 1);
    }

    /// <summary>A VAD frame's speech probability (speech sessions).</summary>
    public void OnVad(double time, float probability)
    {
        if (VadRing is null) return;
        _vadFrame[0] = probability;
        VadRing.Append(_vadFrame, time);
    }

    /// <summary>A classified speech segment (speech sessions); also counts as a window, and its command as a command.</summary>
    public void OnSpeech(KeywordDetection detection)
    {
        ArgumentNullException.ThrowIfNull(detection);
        var latencyMs = detection.LatencySeconds * 1000;
        if (ValueRing is { } values && detection.Probabilities is float[] p && p.Length == values.Width) values.Append(p, detection.Segment.End);
        Speech?.Append(new SpeechEvent(detection.Segment.Start, detection.Segment.End, detection.Label, detection.Confidence, detection.Command, latencyMs));
        Latency.Record(detection.LatencySeconds);
        _latencyFrame[0] = (float)latencyMs;
        LatencyRing.Append(_latencyFrame, detection.LabelTime);
        Volatile.Write(ref _predictions, _predictions + 1);
        if (detection.Command is not null) Volatile.Write(ref _commands, _commands + 1);
    }

    /// <inheritdoc />
    public void OnCompleted(SessionSummary summary) => Volatile.Write(ref _completed, 1);

    /// <inheritdoc />
    public void Dispose() { }
}
