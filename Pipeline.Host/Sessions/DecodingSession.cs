using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using Pipeline.Core.Decisions;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Features;
using Pipeline.Core.Inference;
using Pipeline.Core.Operators;
using Pipeline.Core.Preprocessing;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;

namespace Pipeline.Host.Sessions;

/// <summary>
/// One decoding session: source events (chunks and markers) → gap detection → channel selection → resampling →
/// notch → band-pass → sliding windows → model (or band power) → decisions → sinks, with latency and online
/// accuracy. Everything runs on the thread that delivers the source's events, in order.
/// </summary>
internal sealed class DecodingSession : IDisposable
{
    private readonly DecodingSettings _settings;
    private readonly IReadOnlyList<IPipelineSink> _sinks;
    private readonly ModelRunner? _runner;
    private readonly bool _ownsRunner;
    private readonly BatchClient? _client;
    private readonly float[] _aligned = [];
    private readonly EuclideanAlignment? _alignment;
    private readonly DecisionMaker? _decisions;
    private readonly OnlineAccuracy? _accuracy;
    private readonly Prediction _prediction;
    private readonly LatencyRecorder _latency = new();
    private readonly LatencyRecorder _modelTime = new();
    private readonly LatencyRecorder _addedTime = new();
    private readonly GapCounter _gaps = new();
    private readonly float _scale;
    private readonly int _windowSamples;
    private readonly IReadOnlyList<string> _classNames;
    // _gate: one chunk or marker at a time through the operators (held while a window waits for queue room).
    // _outputGate: sinks, accuracy and counters, shared with the runner's thread; never held while waiting.
    // Order: _gate before _outputGate, never the reverse, so the two threads cannot deadlock.
    private readonly object _gate = new();
    private readonly object _outputGate = new();
    private readonly Stopwatch _wall = new();
    private RunningSession? _running;
    private long _frames;
    private long _windows;
    private long _skipped;
    private long _commands;
    private double _firstTime = double.NaN;
    private double _lastTime = double.NaN;

    /// <summary>Builds the session for a stream; checks the stream against the model card before anything runs.</summary>
    /// <param name="stream">The stream the session decodes.</param>
    /// <param name="settings">What the session does.</param>
    /// <param name="sinks">Where results go (the list may still grow until the session starts).</param>
    /// <param name="log">One line about the device choice, when the session loads its own model.</param>
    /// <param name="shared">A batching runner shared with other sessions of the same model; null runs the model on the session's own thread.</param>
    /// <param name="blockWhenFull">With a shared runner: wait for room in the queue instead of dropping the oldest window (as-fast-as-possible replay).</param>
    public DecodingSession(StreamDescription stream, DecodingSettings settings, IReadOnlyList<IPipelineSink> sinks, Action<string>? log = null,
        BatchingModelRunner? shared = null, bool blockWhenFull = false)
    {
        _settings = settings;
        _sinks = sinks;
        Input = stream;
        var rate = settings.ResampleTo ?? stream.NominalRate;
        if (!(rate > 0))
            throw new PipelineException($"The stream '{stream.Name}' has no regular sampling rate, so it cannot be cut into windows; pick a signal stream with --stream.");

        if (shared is not null || settings.ModelPath is not null)
        {
            _ownsRunner = shared is null;
            _runner = shared is null ? ModelRunner.Load(settings.ModelPath!, settings.Runner, log)
                : shared.Model as ModelRunner ?? throw new PipelineException($"The shared model '{Path.GetFileName(shared.Model.ModelPath)}' is not an EEG decoder; give an EEG session an EEG model.");
            var card = _runner.Card;
            var windowSamples = settings.WindowSeconds is { } ws ? (int)Math.Round(ws * rate) : card.Window.Samples;
            _runner.CheckStream(stream.WithRate(rate), windowSamples, MissingChannels);
            _windowSamples = windowSamples;
            Channels = card.Channels;
            Band = settings.Band ?? (card.Preprocessing.Band is [{ } lo, { } hi] ? (lo, hi) : null);
            NotchHz = settings.Notch ?? card.Preprocessing.Notch ?? 0;
            if (card.Preprocessing.Alignment?.Matrix is { } m)
                _alignment = new EuclideanAlignment(m.SelectMany(r => r).ToArray(), card.Channels.Count);
            _scale = (float)card.Preprocessing.Scale;
            _classNames = card.Classes;
            var commandNames = new Dictionary<string, string>(card.Commands);
            foreach (var (k, v) in settings.Decisions.CommandNames) commandNames[k] = v;
            _decisions = new DecisionMaker(card.Classes, settings.Decisions with { CommandNames = commandNames });
            var markerToClass = new Dictionary<string, int>();
            for (var i = 0; i < card.Classes.Count; i++)
            {
                markerToClass[card.Classes[i]] = i;
                if (i < card.Markers.Count) markerToClass[card.Markers[i]] = i;
            }
            var tmin = card.Window.TMin ?? 0;
            var tmax = card.Window.TMax ?? tmin + card.Window.Seconds;
            _accuracy = new OnlineAccuracy(markerToClass, card.Classes.Count, tmin, tmax);
            _prediction = new Prediction("probabilities", card.Classes);
            _aligned = new float[card.Channels.Count * _windowSamples];
        }
        else
        {
            _windowSamples = (int)Math.Round((settings.WindowSeconds ?? 4) * rate);
            Channels = settings.Channels ?? stream.ChannelLabels;
            if (settings.Channels is not null) ChannelLabels.Resolve(stream.ChannelLabels, settings.Channels);
            Band = settings.Band ?? (8, 30);
            NotchHz = settings.Notch ?? 0;
            _scale = 1;
            _classNames = [];
            _prediction = new Prediction("bandpower", Channels.ToArray());
        }
        if (Band is { } b && !(b.Low < b.High && b.High < rate / 2))
            throw new PipelineException($"The band {b.Low:G}-{b.High:G} Hz does not fit a stream at {rate:G} Hz (it must rise and stay below {rate / 2:G} Hz); choose another --band.");
        Rate = rate;
        _prediction.Session = settings.Session;
        // Connect last, so a session refused above never holds a queue at the shared runner.
        if (shared is not null) _client = shared.Connect(settings.Session, OnResult, blockWhenFull);
    }

    /// <summary>The stream the session decodes.</summary>
    public StreamDescription Input { get; }
    /// <summary>Rate after resampling.</summary>
    public double Rate { get; }
    /// <summary>Channels fed to the decoder, in order.</summary>
    public IReadOnlyList<string> Channels { get; }
    /// <summary>Band-pass edges in use.</summary>
    public (double Low, double High)? Band { get; }
    /// <summary>Notch frequency in use (0: none).</summary>
    public double NotchHz { get; }
    /// <summary>Samples per window.</summary>
    public int WindowSamples => _windowSamples;
    /// <summary>The model runner, when there is a model.</summary>
    public ModelRunner? Runner => _runner;
    /// <summary>Time inside the model's run per window, ms.</summary>
    public LatencyRecorder ModelTime => _modelTime;
    /// <summary>The session's own time per window, from the window being complete to its prediction and command leaving the sinks, minus the model's run, ms.</summary>
    public LatencyRecorder AddedTime => _addedTime;
    /// <summary>From the arrival of each window's newest sample to its prediction and command leaving the sinks, ms.</summary>
    public LatencyRecorder Latency => _latency;

    /// <summary>
    /// Taps for a live view, set before the session starts: <paramref name="raw"/> sees the decoder's channels before
    /// notch and band-pass (for the quality check), <paramref name="filtered"/> after them (for a scope). Both run on
    /// the source's thread and must copy what they keep (chunks are reused).
    /// </summary>
    public void Tap(Action<SignalChunk>? raw, Action<SignalChunk>? filtered)
    {
        _rawTap = raw;
        _filteredTap = filtered;
    }

    private Action<SignalChunk>? _rawTap, _filteredTap;

    /// <summary>Wires the operator chain onto the chunks of a source.</summary>
    public IObservable<Window> Windows(IObservable<SignalChunk> chunks)
    {
        var s = chunks.Do(CountFrames).DetectGaps(OnGap);
        if (_runner is not null || _settings.Channels is not null) s = s.SelectChannels(Channels);
        if (_settings.ResampleTo is { } r && Math.Abs(r - Input.NominalRate) > 1e-9) s = s.Resample(r);
        if (_rawTap is { } rawTap) s = s.Do(rawTap);
        if (NotchHz > 0) s = s.Notch(NotchHz);
        if (Band is { } b) s = s.BandPass(b.Low, b.High);
        if (_filteredTap is { } filteredTap) s = s.Do(filteredTap);
        return s.SlidingWindows(new SlidingWindowOptions { LengthSamples = _windowSamples, HopSeconds = _settings.HopSeconds, Session = _settings.Session });
    }

    /// <summary>
    /// Runs the session over a source's events until it completes, fails or <paramref name="cancel"/> fires.
    /// Returns the summary (also handed to every sink).
    /// </summary>
    /// <summary>
    /// Runs the session over a source's events until it completes, fails or <paramref name="cancel"/> fires.
    /// Returns the summary (also handed to every sink).
    /// </summary>
    /// <param name="events">The source's chunks and markers, in order, from one thread at a time.</param>
    /// <param name="cancel">Stops the session (Ctrl+C, a duration); the summary covers what was done.</param>
    /// <param name="subscribed">Called once the session listens, e.g. to start a hot source without losing its first chunks.</param>
    public SessionSummary Run(IObservable<SourceEvent> events, CancellationToken cancel, Action? subscribed = null)
    {
        using (var running = Start(events))
        {
            subscribed?.Invoke();
            running.Wait(cancel);
        }
        return Finish(cancel);
    }

    /// <summary>Subscribes the session to a source; dispose the handle to stop listening.</summary>
    public RunningSession Start(IObservable<SourceEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        _wall.Start();
        var running = new RunningSession();
        var chunks = new Subject<SignalChunk>();
        var windowSubscription = Windows(chunks).Subscribe(OnWindow, running.Fail);
        // The gate is taken once per chunk or marker (never per sample) so a cancelled run cannot race the summary.
        var sourceSubscription = events.Subscribe(
            e =>
            {
                lock (_gate)
                {
                    if (e.Chunk is { } c) chunks.OnNext(c);
                    else OnMarker(e.Marker);
                }
            },
            running.Fail,
            () =>
            {
                lock (_gate) chunks.OnCompleted();
                running.Complete();
            });
        running.Attach(sourceSubscription, windowSubscription);
        _running = running;
        return running;
    }

    /// <summary>
    /// Ends the session: waits for windows still queued at a shared runner, then hands the summary to every sink.
    /// Rethrows a failure of the source, the operators or a sink.
    /// </summary>
    public SessionSummary Finish(CancellationToken cancel = default)
    {
        _client?.WaitIdle(cancel);
        _wall.Stop();
        if ((_running?.Failure ?? _client?.Failure) is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        SessionSummary summary;
        lock (_gate)
            lock (_outputGate)
                summary = Summary(_wall.Elapsed.TotalSeconds);
        foreach (var sink in _sinks) sink.OnCompleted(summary);
        return summary;
    }

    /// <summary>Frames received, windows cut and windows skipped so far, without the quantiles a <see cref="Summary"/> sorts (for frequent polling).</summary>
    public (long Frames, long Windows, long Skipped) Counts => (Volatile.Read(ref _frames), Volatile.Read(ref _windows), Volatile.Read(ref _skipped));

    /// <summary>Windows dropped at the shared runner because this session's queue was full.</summary>
    public long Dropped => _client?.Dropped ?? 0;

    /// <summary>The totals so far.</summary>
    public SessionSummary Summary(double wallSeconds) => new()
    {
        Session = _settings.Session,
        Frames = _frames,
        SignalSeconds = double.IsNaN(_firstTime) ? 0 : _lastTime - _firstTime + 1 / Input.NominalRate,
        WallSeconds = wallSeconds,
        Windows = _windows,
        SkippedWindows = _skipped,
        Commands = _commands,
        Gaps = _gaps.Gaps,
        GapSeconds = _gaps.MissingSeconds,
        LatencyP50Ms = _latency.Quantile(0.5),
        LatencyP99Ms = _latency.Quantile(0.99),
        WindowAccuracy = _accuracy?.WindowAccuracy,
        TrialAccuracy = _accuracy?.TrialAccuracy,
        Trials = _accuracy?.Trials ?? 0,
    };

    /// <summary>Stopwatch ticks when the last chunk arrived (0 before the first).</summary>
    public long LastChunkTicks => Volatile.Read(ref _lastChunkTicks);
    private long _lastChunkTicks;

    private void CountFrames(SignalChunk c)
    {
        if (c.Frames == 0) return;
        Volatile.Write(ref _lastChunkTicks, c.ArrivalTicks);
        if (double.IsNaN(_firstTime)) _firstTime = c.FirstTimestamp;
        _lastTime = c.LastTimestamp;
        _frames += c.Frames;
    }

    private void OnGap(Gap gap)
    {
        lock (_outputGate)
        {
            _gaps.Add(gap);
            _decisions?.Reset();
            foreach (var sink in _sinks) sink.OnGap(gap);
        }
    }

    private void OnMarker(Marker marker)
    {
        lock (_outputGate)
        {
            _accuracy?.OnMarker(marker);
            foreach (var sink in _sinks) sink.OnMarker(marker);
        }
    }

    private void OnWindow(Window w)
    {
        var complete = Stopwatch.GetTimestamp();
        _windows++;
        if (!AllFinite(w.Data))
        {
            _skipped++;
            return;
        }
        var ticket = new WindowTicket(w.Index, w.StartTime, w.EndTime, w.NewestArrivalTicks);
        if (_runner is null)
        {
            var p = _prediction;
            lock (_outputGate)
            {
                SignalPower.LogMeanSquare(w, p.Values); // the window is band-passed: its mean square is the band power
                p.Label = null;
                p.Confidence = 0;
                Emit(ticket);
            }
            _addedTime.Add(Stopwatch.GetElapsedTime(complete).TotalMilliseconds);
            return;
        }
        var input = _client is null ? _runner.InputSlot(0, 0) : _aligned.AsSpan();
        if (_alignment is not null) _alignment.Apply(w.Data, input, w.Samples);
        else w.Data.AsSpan().CopyTo(input);
        if (_scale != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(input, _scale, input);
        if (_client is not null)
        {
            _client.Submit(input, ticket);
            return;
        }
        _runner.RunBucket(0);
        var modelTicks = _runner.LastRunTicks;
        OnResult(ticket, _runner.Probabilities(0, 0));
        _modelTime.Add(modelTicks * 1000.0 / Stopwatch.Frequency);
        _addedTime.Add((Stopwatch.GetTimestamp() - complete - modelTicks) * 1000.0 / Stopwatch.Frequency);
    }

    /// <summary>A window's class probabilities are back (on this thread, or on the shared runner's thread).</summary>
    private void OnResult(in WindowTicket ticket, ReadOnlySpan<float> probabilities)
    {
        lock (_outputGate)
        {
            var p = _prediction;
            probabilities.CopyTo(p.Values);
            var best = 0;
            for (var i = 1; i < p.Values.Length; i++) if (p.Values[i] > p.Values[best]) best = i;
            p.Label = _classNames[best];
            p.Confidence = p.Values[best];
            Emit(ticket);
        }
    }

    private void Emit(in WindowTicket ticket)
    {
        var p = _prediction;
        p.WindowIndex = ticket.WindowIndex;
        p.StartTime = ticket.StartTime;
        p.EndTime = ticket.EndTime;
        p.NewestArrivalTicks = ticket.NewestArrivalTicks;
        if (_runner is not null) _accuracy!.OnPrediction(p, _classNames);
        foreach (var sink in _sinks) sink.OnPrediction(p);
        if (_decisions?.Update(p) is { } command)
        {
            _commands++;
            foreach (var sink in _sinks) sink.OnCommand(command);
        }
        _latency.AddSince(ticket.NewestArrivalTicks);
    }

    private static bool AllFinite(ReadOnlySpan<float> data)
    {
        // x - x is 0 for finite x and NaN for NaN or ±Inf, so one sum tells whether any value is not finite.
        var acc = 0f;
        foreach (var v in data) acc += v - v;
        return acc == 0f;
    }

    private static IReadOnlyList<string> MissingChannels(IReadOnlyList<string> available, IReadOnlyList<string> wanted)
    {
        var missing = new List<string>();
        foreach (var w in wanted)
        {
            try { ChannelLabels.Resolve(available, [w]); }
            catch (PipelineException) { missing.Add(w); }
        }
        return missing;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _client?.Dispose();
        if (_ownsRunner) _runner?.Dispose();
    }
}
