using System.Diagnostics;
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
/// <see cref="For"/> watches a <see cref="DecodingSession"/>: its <see cref="DecodingSession.RawSignal"/> tap feeds the
/// quality check, <see cref="DecodingSession.FilteredSignal"/> the scope and <see cref="DecodingSession.VoiceActivity"/>
/// the VAD trace; the monitor is then one of the session's sinks (an observer of its <see cref="SessionEvent"/>s:
/// predictions, commands, markers, gaps, speech segments). By hand: <see cref="OnRawChunk"/>, <see cref="OnFilteredChunk"/>
/// and <see cref="OnVad"/> as taps, the sink methods for the rest. Sink calls must not overlap (sessions serialise
/// them); the taps run on the source's thread. Disposing ends the taps; what the rings hold stays readable.
/// </remarks>
public sealed class SessionMonitor : IPipelineSink
{
    private readonly ScopeDecimator? _decimator;
    private readonly float[] _latencyFrame = new float[1];
    private readonly float[] _vadFrame = new float[1];
    private readonly List<IDisposable> _taps = [];
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

    /// <summary>
    /// A monitor of <paramref name="session"/>, watching its taps from now on; hand it to the session as its last sink
    /// (so the latency it records runs until every other sink had its turn). EEG: a scope of the filtered channels the
    /// model reads, the quality of the same channels before notch and band-pass, the class probabilities (or band
    /// power); speech: the VAD probability, the segments with their labels, the class probabilities.
    /// </summary>
    /// <param name="session">The session to watch (before it starts, or its first chunks are not seen).</param>
    /// <param name="layout">What to keep; null: <see cref="SessionMonitorLayout.For"/> the session.</param>
    public static SessionMonitor For(DecodingSession session, SessionMonitorLayout? layout = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        var monitor = new SessionMonitor(session.Name, layout ?? SessionMonitorLayout.For(session)) { Decoder = session };
        if (monitor.Quality is not null) monitor._taps.Add(session.RawSignal.Subscribe(monitor.OnRawChunk));
        if (monitor._decimator is not null) monitor._taps.Add(session.FilteredSignal.Subscribe(monitor.OnFilteredChunk));
        if (monitor.VadRing is not null) monitor._taps.Add(session.VoiceActivity.Subscribe(v => monitor.OnVad(v.Time, v.Probability)));
        return monitor;
    }

    /// <summary>The session's name.</summary>
    public string Session { get; }
    /// <summary>The session watched through <see cref="For"/> (its counters: frames, windows, skipped, dropped), or null.</summary>
    public DecodingSession? Decoder { get; private init; }
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

    /// <summary>A prediction event carries the command its window led to, which a speech segment shows beside its label.</summary>
    void IObserver<SessionEvent>.OnNext(SessionEvent value)
    {
        switch (value.Kind)
        {
            case SessionEventKind.Prediction: Record(value.Prediction!, value.Command); break;
            case SessionEventKind.Command: OnCommand(value.Command!); break;
            case SessionEventKind.Marker: OnMarker(value.Marker); break;
            case SessionEventKind.Gap: OnGap(value.Gap); break;
            case SessionEventKind.Summary: OnCompleted(value.Summary!); break;
        }
    }

    /// <inheritdoc />
    public void OnPrediction(Prediction prediction) => Record(prediction, null);

    // Latency: EEG windows from the newest sample's arrival to this monitor; a speech segment (a window cut for an
    // event) from the end of speech to its label, i.e. the audio the VAD needed to close it plus the time since.
    private void Record(Prediction prediction, Command? command)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var sinceArrival = prediction.NewestArrivalTicks != 0 ? Stopwatch.GetElapsedTime(prediction.NewestArrivalTicks).TotalMilliseconds : double.NaN;
        var segment = double.IsFinite(prediction.SegmentEnd);
        var latency = segment ? (prediction.EndTime - prediction.SegmentEnd) * 1000 + (double.IsNaN(sinceArrival) ? 0 : sinceArrival) : sinceArrival;
        var time = segment ? prediction.SegmentEnd : prediction.EndTime;
        if (ValueRing is { } values && prediction.Values.Length == values.Width) values.Append(prediction.Values, time);
        if (segment && Speech is { } speech)
            speech.Append(new SpeechEvent(prediction.SegmentStart, prediction.SegmentEnd, prediction.Label ?? "", prediction.Confidence, command?.Name, latency));
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

    /// <inheritdoc />
    public void OnCompleted(SessionSummary summary) => Volatile.Write(ref _completed, 1);

    /// <summary>Ends the taps of <see cref="For"/> (the rings stay readable).</summary>
    public void Dispose()
    {
        lock (_taps)
        {
            foreach (var t in _taps) t.Dispose();
            _taps.Clear();
        }
    }
}
