using System.Diagnostics;
using System.Reactive;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using Pipeline.Core.Audio;
using Pipeline.Core.Decisions;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Features;
using Pipeline.Core.Inference;
using Pipeline.Core.Operators;
using Pipeline.Core.Preprocessing;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Sessions;

/// <summary>
/// One decoding session: a composition of the pipeline's operators, checked against the model before anything runs.
/// EEG: chunks → <see cref="GapDetection.DetectGaps"/> → <see cref="SignalPreparation.Preprocess(IObservable{SignalChunk}, PreprocessingOptions)"/>
/// → <see cref="Windowing.SlidingWindows"/> → <see cref="WindowChecks.SkipNonFinite"/> → <see cref="WindowAlignment.Align(IObservable{Window}, ModelCard)"/>
/// → <see cref="Classification"/> (or <see cref="WindowPower.LogPower"/> without a model) → <see cref="SessionEvents.Score"/>
/// against the cues → <see cref="SessionEvents.Decide"/> → the sinks. Speech: chunks → <see cref="SpeechWindowing.SpeechWindows"/>
/// → Classify → Decide → the sinks. The output is one ordered <see cref="SessionEvent"/> stream ending with a summary.
/// </summary>
/// <remarks>
/// The source's events are handled on the thread that delivers them; with a shared <see cref="BatchingModelRunner"/>
/// predictions (and everything after them) run on its inference thread, serialised with the markers and gaps of the
/// source thread by one lock per event. A session decodes one source, once.
/// </remarks>
public sealed class DecodingSession
{
    private readonly Func<IObservable<SignalChunk>, IObservable<Marker>, IObservable<Window>> _windowing;
    private readonly Func<IObservable<Window>, IObservable<Prediction>> _classifying;
    private readonly DecisionMaker? _decisions;
    private readonly OnlineAccuracy? _accuracy;
    private readonly IBatchedModel? _timedModel;
    private readonly QueueStatistics _queue = new();
    private readonly LatencyRecorder _latency = new();
    private readonly LatencyRecorder _modelTime = new();
    private readonly LatencyRecorder _addedTime = new();
    private readonly GapCounter _gaps = new();
    private readonly Stopwatch _wall = new();
    private readonly Subject<SignalChunk> _raw = new();
    private readonly Subject<SignalChunk> _filtered = new();
    private readonly Subject<(double Time, float Probability)> _voiceActivity = new();
    private long _frames, _windows, _skipped, _skippedTrials, _commands, _lastChunkTicks;
    private double _firstTime = double.NaN, _lastTime = double.NaN;
    private int _used;

    private DecodingSession(string name, StreamDescription input, Func<IObservable<SignalChunk>, IObservable<Marker>, IObservable<Window>> windowing,
        Func<IObservable<Window>, IObservable<Prediction>>? classifying, IBatchedModel? model, bool ownModel, DecisionMaker? decisions, OnlineAccuracy? accuracy)
    {
        Name = name;
        Input = input;
        Model = model;
        _windowing = windowing;
        _decisions = decisions;
        _accuracy = accuracy;
        // Only a model run on the session's own thread is timed per window: a shared one runs elsewhere, in batches.
        _timedModel = ownModel ? model : null;
        _classifying = classifying ?? (w => w.LogPower(name, Channels));
    }

    /// <summary>The session's name.</summary>
    public string Name { get; }
    /// <summary>The stream the session decodes.</summary>
    public StreamDescription Input { get; }
    /// <summary>The model (own or shared), or null for band power.</summary>
    public IBatchedModel? Model { get; }
    /// <summary>Rate of the windows, Hz (after resampling).</summary>
    public double Rate { get; private init; }
    /// <summary>Channels of the windows, in order.</summary>
    public IReadOnlyList<string> Channels { get; private init; } = [];
    /// <summary>Band-pass edges in use.</summary>
    public (double Low, double High)? Band { get; private init; }
    /// <summary>Notch frequency in use (0: none).</summary>
    public double NotchHz { get; private init; }
    /// <summary>Samples per window.</summary>
    public int WindowSamples { get; private init; }
    /// <summary>Names of the prediction values: the model's classes, or the channels for band power.</summary>
    public IReadOnlyList<string> ValueNames { get; private init; } = [];
    /// <summary>True for the speech path (VAD-gated windows), false for EEG sliding windows.</summary>
    public bool IsSpeech { get; private init; }

    /// <summary>From the arrival of each window's newest sample until its prediction and command have left every sink, ms.</summary>
    public LatencyRecorder Latency => _latency;
    /// <summary>Time inside the model's run per window, ms (a model of the session's own only).</summary>
    public LatencyRecorder ModelTime => _modelTime;
    /// <summary>The session's own time per window, from the window being complete to its prediction and command leaving the sinks, minus the model's run, ms (a model of the session's own, or band power).</summary>
    public LatencyRecorder AddedTime => _addedTime;
    /// <summary>Windows dropped at the shared runner because this session's queue was full (live sessions only).</summary>
    public long Dropped => _queue.Dropped;
    /// <summary>Stopwatch ticks when the last chunk arrived (0 before the first).</summary>
    public long LastChunkTicks => Volatile.Read(ref _lastChunkTicks);
    /// <summary>The online alignment of a model whose card asks for it (mode online), else null; seed it with <see cref="SeedAlignment"/>.</summary>
    public OnlineEuclideanAlignment? OnlineAlignment { get; private init; }
    /// <summary>Windows aligned with the last good matrix because the online reference had no usable eigenvalue (0 without online alignment).</summary>
    public long GuardedWindows => OnlineAlignment?.Guarded ?? 0;
    /// <summary>The scorer of the session's trials against the cue markers (a model's sessions only).</summary>
    public OnlineAccuracy? Accuracy => _accuracy;
    /// <summary>The cue-locked epoch each trial is classified on (relative to its cue), or null when trials are not scored.</summary>
    public EpochOptions? TrialEpochs { get; private init; }
    // What calibration needs to cut windows exactly as the session does.
    private PreprocessingOptions? _conditioning, _filtering;
    private SlidingWindowOptions? _slidingWindows;
    private ModelRunner? _eegModel;
    /// <summary>Frames received so far (readable from any thread while the session runs, without the sorting a <see cref="Summary"/> does).</summary>
    public long Frames => Volatile.Read(ref _frames);
    /// <summary>Windows cut so far (predicted, skipped or dropped).</summary>
    public long Windows => Volatile.Read(ref _windows);
    /// <summary>Windows skipped so far because they held non-finite samples.</summary>
    public long SkippedWindows => Volatile.Read(ref _skipped);
    /// <summary>Commands decided so far.</summary>
    public long Commands => Volatile.Read(ref _commands);

    /// <summary>
    /// A tap on the signal before notch and band-pass (EEG: the model's channels after selection and resampling;
    /// speech: the 16 kHz audio, as <see cref="FilteredSignal"/>), for a live view's channel-quality check: flat,
    /// railed or hum-laden channels show here, before the filters hide them. Same rules as <see cref="FilteredSignal"/>:
    /// the session's thread, a reused chunk, nothing spent while nobody subscribes.
    /// </summary>
    public IObservable<SignalChunk> RawSignal => _raw;

    /// <summary>
    /// A tap on the signal as the windows are cut from it (EEG: after channel selection, resampling and filters; speech:
    /// the 16 kHz audio), for a live view. Handed on in the session's thread; the chunk is reused, so copy or decimate it
    /// in <c>OnNext</c> and return quickly. Costs nothing while nobody subscribes.
    /// </summary>
    public IObservable<SignalChunk> FilteredSignal => _filtered;

    /// <summary>Speech sessions: every 32 ms VAD frame's speech probability with the time of its end (a tap for a live view).</summary>
    public IObservable<(double Time, float Probability)> VoiceActivity => _voiceActivity;

    /// <summary>
    /// An EEG session whose model runs on the thread that delivers the source's chunks (or, without a model, per-channel
    /// band power). The stream is checked against the model card here: channels (by label), rate and window length.
    /// </summary>
    /// <exception cref="PipelineException">The stream does not fit the model or the options cannot work.</exception>
    public static DecodingSession Create(StreamDescription stream, DecodingOptions options, ModelRunner? model = null) =>
        CreateEeg(stream, options, model, null);

    /// <summary>An EEG session whose windows go to a batching runner shared with other sessions of the same model.</summary>
    /// <exception cref="PipelineException">The shared model is not an EEG decoder, or the stream does not fit it.</exception>
    public static DecodingSession Create(StreamDescription stream, DecodingOptions options, BatchingModelRunner shared)
    {
        ArgumentNullException.ThrowIfNull(shared);
        var model = shared.Model as ModelRunner
            ?? throw new PipelineException($"The shared model '{Path.GetFileName(shared.Model.ModelPath)}' is not an EEG decoder; give an EEG session an EEG model.");
        return CreateEeg(stream, options, model, shared);
    }

    /// <summary>A speech session (VAD → the last second of each utterance → the keyword model) whose model runs on the source's thread.</summary>
    /// <exception cref="PipelineException">The stream is not 16 kHz mono audio, or the options cannot work.</exception>
    public static DecodingSession CreateSpeech(StreamDescription stream, AudioSessionOptions options, SileroVad vad, SslKeywordModel model) =>
        CreateSpeech(stream, options, vad, model, null);

    /// <summary>A speech session whose windows go to a batching runner over an <see cref="SslKeywordModel"/>, shared with other audio sessions.</summary>
    /// <exception cref="PipelineException">The shared model is not a speech model, or the stream is not 16 kHz mono audio.</exception>
    public static DecodingSession CreateSpeech(StreamDescription stream, AudioSessionOptions options, SileroVad vad, BatchingModelRunner shared)
    {
        ArgumentNullException.ThrowIfNull(shared);
        var model = shared.Model as SslKeywordModel
            ?? throw new PipelineException($"The shared model '{Path.GetFileName(shared.Model.ModelPath)}' is not a speech model; give an audio session an SSL keyword model.");
        return CreateSpeech(stream, options, vad, model, shared);
    }

    private static DecodingSession CreateEeg(StreamDescription stream, DecodingOptions options, ModelRunner? model, BatchingModelRunner? shared)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        var rate = options.ResampleTo ?? stream.NominalRate;
        if (!(rate > 0))
            throw new PipelineException($"The stream '{stream.Name}' has no regular sampling rate, so it cannot be cut into windows; pick a signal stream with --stream.");
        int windowSamples;
        IReadOnlyList<string> channels;
        (double Low, double High)? band;
        double notch;
        DecisionMaker? decisions = null;
        OnlineAccuracy? accuracy = null;
        if (model is not null)
        {
            var card = model.Card;
            windowSamples = options.WindowSeconds is { } ws ? (int)Math.Round(ws * rate) : card.Window.Samples;
            model.CheckStream(stream.WithRate(rate), windowSamples, MissingChannels);
            channels = card.Channels;
            band = options.Band ?? (card.Preprocessing.Band is [{ } lo, { } hi] ? (lo, hi) : null);
            notch = options.Notch ?? card.Preprocessing.Notch ?? 0;
            decisions = new DecisionMaker(card.Classes, DecisionMaking.ForModel(card, options.Decisions));
            accuracy = AccuracyFor(card, options.Cues);
        }
        else
        {
            windowSamples = (int)Math.Round((options.WindowSeconds ?? 4) * rate);
            channels = options.Channels ?? stream.ChannelLabels;
            if (options.Channels is not null) ChannelLabels.Resolve(stream.ChannelLabels, options.Channels);
            band = options.Band ?? (8, 30);
            notch = options.Notch ?? 0;
        }
        if (band is { } b && !(b.Low < b.High && b.High < rate / 2))
            throw new PipelineException($"The band {b.Low:G}-{b.High:G} Hz does not fit a stream at {rate:G} Hz (it must rise and stay below {rate / 2:G} Hz); choose another --band.");

        // Preprocessing in two steps with the raw tap between them: the channels the model reads at its rate, then the filters.
        var conditioning = new PreprocessingOptions
        {
            Channels = model is not null || options.Channels is not null ? channels : null,
            ResampleTo = options.ResampleTo,
        };
        var filtering = new PreprocessingOptions { NotchHz = notch, Band = band };
        var windows = new SlidingWindowOptions { LengthSamples = windowSamples, HopSeconds = options.HopSeconds, PhaseSeconds = options.PhaseSeconds, Session = options.Session };
        var classify = new ClassifyOptions { Session = options.Session, BlockWhenFull = options.BlockWhenFull };
        // Trials: each cue's epoch [cue + tmin, cue + tmin + window) is cut from the same preprocessed stream as the
        // sliding windows (after them, chunk by chunk), aligned and classified: the session's trial accuracy.
        var trials = accuracy is null ? null : new EpochOptions
        {
            TMin = accuracy.TMin,
            TMax = accuracy.TMin + windowSamples / rate,
            Labels = accuracy.CueMarkers,
            Session = options.Session,
            HistorySeconds = Math.Max(30, accuracy.TMax + 5),
        };
        var online = model?.Card.Preprocessing.Alignment is { IsOnline: true } ? OnlineEuclideanAlignment.FromCard(model.Card) : null;
        DecodingSession? session = null;
        Func<IObservable<Window>, IObservable<Prediction>>? classifying = null;
        if (model is not null)
        {
            Func<IObservable<Window>, IObservable<Window>> align = online is not null ? w => w.Align(online) : w => w.Align(model.Card);
            // Trial epochs never share the sliding windows' queue at a shared runner (its window indices must rise);
            // they wait for room rather than being dropped, one every few seconds.
            Func<IObservable<Window>, IObservable<Prediction>> classifySliding = shared is null
                ? w => w.Classify(model, classify)
                : w => w.Classify(shared, classify with { Statistics = session!._queue });
            Func<IObservable<Window>, IObservable<Prediction>> classifyTrials = shared is null
                ? w => w.Classify(model, classify)
                : w => w.Classify(shared, classify with { BlockWhenFull = true });
            classifying = trials is null
                ? w => classifySliding(align(w))
                : w => align(w).Publish(a => Observable.Merge(
                    classifySliding(a.Where(static x => x.Label is null)),
                    classifyTrials(a.Where(static x => x.Label is not null))));
        }
        Func<IObservable<SignalChunk>, IObservable<Marker>, IObservable<Window>> windowing = trials is null
            ? (c, _) => c.Preprocess(conditioning).Do(session!._raw).Preprocess(filtering).Do(session!._filtered).SlidingWindows(windows)
            : (c, markers) => c.Preprocess(conditioning).Do(session!._raw).Preprocess(filtering).Do(session!._filtered).Publish(p => Observable.Merge(p.SlidingWindows(windows), p.EventLockedEpochs(markers, trials)));
        session = new DecodingSession(options.Session, stream, windowing, classifying,
            (IBatchedModel?)shared?.Model ?? model, shared is null, decisions, accuracy)
        {
            Rate = rate,
            Channels = channels,
            Band = band,
            NotchHz = notch,
            WindowSamples = windowSamples,
            ValueNames = model?.Card.Classes ?? channels,
            OnlineAlignment = online,
            TrialEpochs = trials,
        };
        session._conditioning = conditioning;
        session._filtering = filtering;
        session._slidingWindows = windows;
        session._eegModel = model;
        return session;
    }

    private static DecodingSession CreateSpeech(StreamDescription stream, AudioSessionOptions options, SileroVad vad, SslKeywordModel model, BatchingModelRunner? shared)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(vad);
        if (stream.ChannelCount != 1 || Math.Abs(stream.NominalRate - SpeechAudio.Rate) > 1e-6)
            throw new PipelineException($"Stream '{stream.Name}' is {stream.ChannelCount} channel(s) at {stream.NominalRate:G} Hz; the speech path needs 16 kHz mono audio (a microphone or a WAV file).");
        var decision = options.Decision;
        if (decision.RestClass is { } rest && !model.Classes.Contains(rest)) decision = decision with { RestClass = null };
        var names = new Dictionary<string, string>(decision.CommandNames);
        foreach (var (k, v) in model.HeadCard.Commands) names.TryAdd(k, v);
        var decisions = new DecisionMaker(model.Classes, decision with { CommandNames = names });
        DecodingSession? session = null;
        var windows = new SpeechWindowOptions
        {
            Vad = options.Vad, WindowSamples = model.WindowSamples, Session = options.Session,
            FrameProbability = (p, t) => session!._voiceActivity.OnNext((t, p)),
        };
        var classify = new ClassifyOptions { Session = options.Session, BlockWhenFull = !options.Live };
        Func<IObservable<Window>, IObservable<Prediction>> classifying = shared is null
            ? w => w.Classify(model, classify)
            : w => w.Classify(shared, classify with { Statistics = session!._queue });
        session = new DecodingSession(options.Session, stream, (c, _) => c.Do(session!._raw).Do(session!._filtered).SpeechWindows(vad, windows), classifying, model, shared is null, decisions, null)
        {
            Rate = SpeechAudio.Rate,
            Channels = stream.ChannelLabels,
            WindowSamples = model.WindowSamples,
            ValueNames = model.Classes,
            IsSpeech = true,
        };
        return session;
    }

    /// <summary>
    /// Seeds the session's online alignment from a calibration recording of the same person (online cards only; call
    /// before decoding): the recording's windows are cut exactly as the session cuts its own (the card's channels and
    /// rate, the same filters, window length and hop), their mean covariance becomes the reference P and their number
    /// its weight w0, in place of the card's population reference. The session then starts aligned to this person and
    /// keeps adapting. Returns the number of calibration windows (those holding NaN or ±Inf are left out).
    /// </summary>
    /// <param name="stream">The calibration stream's description (checked against the card like the session's).</param>
    /// <param name="calibration">Its events; consumed to the end here (a recording replayed as fast as possible).</param>
    /// <exception cref="PipelineException">The model does not ask for online alignment, the stream does not fit it, or no window could be cut.</exception>
    public long SeedAlignment(StreamDescription stream, IObservable<SourceEvent> calibration)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(calibration);
        if (OnlineAlignment is null || _eegModel is null)
            throw new PipelineException(_eegModel is null
                ? "A calibration recording seeds a model's online alignment, but this session has no model; give --model."
                : $"A calibration recording seeds online alignment, but the card of '{Path.GetFileName(_eegModel.ModelPath)}' applies a fixed alignment matrix (preprocessing.alignment.mode is not 'online'); seed only a model exported with online alignment.");
        if (Volatile.Read(ref _used) != 0)
            throw new InvalidOperationException($"The session '{Name}' is decoding already; calibrate it before it starts.");
        var card = _eegModel.Card;
        var conditioning = _conditioning! with { ResampleTo = Rate };
        conditioning.Check(stream);
        _eegModel.CheckStream(stream.WithRate(Rate), WindowSamples, MissingChannels);
        var accumulated = new OnlineEuclideanAlignment(card.Channels.Count);
        calibration.Chunks().Preprocess(conditioning).Preprocess(_filtering!).SlidingWindows(_slidingWindows! with { Session = Name + "/calibration" })
            .Do(w => accumulated.Accumulate(w.Data, w.Samples)).DefaultIfEmpty().Wait();
        if (accumulated.Accepted == 0)
            throw new PipelineException($"The calibration stream '{stream.Name}' gave no usable window of {(WindowSamples / Rate).ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} s ({(accumulated.Skipped > 0 ? $"{accumulated.Skipped} held NaN or infinite values" : "it is shorter than one window")}); record a longer calibration run.");
        var reference = new double[card.Channels.Count * card.Channels.Count];
        accumulated.CopyReference(reference);
        OnlineAlignment.Seed(reference, accumulated.Weight);
        return accumulated.Accepted;
    }

    /// <summary>
    /// The session over <paramref name="source"/>: subscribing starts the source, and the events come out in order,
    /// ending with a <see cref="SessionEventKind.Summary"/> event when the source completes. A session decodes one
    /// source once.
    /// </summary>
    public IObservable<SessionEvent> Decode(IObservable<SourceEvent> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Observable.Defer(() =>
        {
            if (Interlocked.Exchange(ref _used, 1) != 0)
                throw new InvalidOperationException($"The session '{Name}' has decoded a source already; create a new session for another run.");
            _wall.Restart();
            return source.Publish(events =>
            {
                // Gaps found in the timestamps join the output in order (on the source's thread, like the markers).
                var gaps = new Subject<SessionEvent>();
                var chunks = events.Chunks().Do(CountFrames)
                    .DetectGaps(g =>
                    {
                        _gaps.Add(g);
                        gaps.OnNext(SessionEvent.FromGap(g));
                    })
                    .Do(static _ => { }, gaps.OnError, gaps.OnCompleted);
                // Trial epochs (Label set) travel with the sliding windows but are counted, timed and decided apart.
                var windows = _windowing(chunks, events.Markers())
                    .Do(w => { if (w.Label is null) Volatile.Write(ref _windows, _windows + 1); })
                    .SkipNonFinite(w => { if (w.Label is null) Volatile.Write(ref _skipped, _skipped + 1); else _skippedTrials++; });
                var predictions = _classifying(_timedModel is not null || Model is null ? Timed(windows) : windows)
                    .AfterEach((p, _) => { if (!p.IsTrial) _latency.AddSince(p.NewestArrivalTicks); });
                var output = Observable.Merge(
                    events.Markers().Select(static m => SessionEvent.FromMarker(m)),
                    gaps,
                    predictions.Select(static p => p.IsTrial ? SessionEvent.FromTrial(p) : SessionEvent.FromPrediction(p)));
                if (_accuracy is not null) output = output.Score(_accuracy);
                if (_decisions is not null) output = output.Decide(_decisions);
                return output.Do(e =>
                {
                    if (e.Kind == SessionEventKind.Command) Volatile.Write(ref _commands, _commands + 1);
                });
            }).Concat(Observable.Defer(() =>
            {
                _wall.Stop();
                return Observable.Return(SessionEvent.FromSummary(Summary(_wall.Elapsed.TotalSeconds)));
            }));
        });
    }

    /// <summary>
    /// Starts the session over <paramref name="source"/>, handing every event to <paramref name="sinks"/> in order;
    /// dispose the result to stop listening. A sink that throws ends the session with that failure.
    /// </summary>
    public RunningSession Start(IObservable<SourceEvent> source, IObserver<SessionEvent> sinks)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        var running = new RunningSession();
        var failed = false;
        var subscription = Decode(source).Subscribe(
            e =>
            {
                if (failed) return;
                try
                {
                    sinks.OnNext(e);
                }
                catch (Exception error)
                {
                    failed = true;
                    running.Fail(error);
                    return;
                }
                if (e.Kind == SessionEventKind.Summary) running.SetSummary(e.Summary!);
            },
            running.Fail,
            running.Complete);
        running.Attach(subscription);
        return running;
    }

    /// <summary>Starts the session, handing every event to each of <paramref name="sinks"/> in turn.</summary>
    public RunningSession Start(IObservable<SourceEvent> source, IEnumerable<IObserver<SessionEvent>> sinks) =>
        Start(source, Fanout(sinks));

    /// <summary>
    /// Runs the session until its source completes, it fails, or <paramref name="cancel"/> fires; a cancelled session
    /// ends like a completed one (windows queued at a shared runner are finished, the sinks get the summary).
    /// Returns the summary; rethrows a failure of the source, an operator or a sink.
    /// </summary>
    public SessionSummary Run(IObservable<SourceEvent> source, IEnumerable<IObserver<SessionEvent>> sinks, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var running = Start(source.TakeUntilCancelled(cancel), Fanout(sinks));
        running.Wait();
        running.ThrowIfFailed();
        return running.Summary ?? Summary(_wall.Elapsed.TotalSeconds);
    }

    /// <summary>As <see cref="Run(IObservable{SourceEvent}, IEnumerable{IObserver{SessionEvent}}, CancellationToken)"/> with one sink (or none: <c>Observer.Create</c> of nothing).</summary>
    public SessionSummary Run(IObservable<SourceEvent> source, CancellationToken cancel = default, params IObserver<SessionEvent>[] sinks) =>
        Run(source, sinks, cancel);

    /// <summary>The totals so far.</summary>
    public SessionSummary Summary(double wallSeconds) => new()
    {
        Session = Name,
        Frames = _frames,
        SignalSeconds = double.IsNaN(_firstTime) ? 0 : _lastTime - _firstTime + 1 / Input.NominalRate,
        WallSeconds = wallSeconds,
        Windows = _windows,
        SkippedWindows = _skipped,
        DroppedWindows = _queue.Dropped,
        Commands = _commands,
        Gaps = _gaps.Gaps,
        GapSeconds = _gaps.MissingSeconds,
        LatencyP50Ms = _latency.Quantile(0.5),
        LatencyP99Ms = _latency.Quantile(0.99),
        WindowAccuracy = _accuracy?.WindowAccuracy,
        TrialAccuracy = _accuracy?.TrialAccuracy,
        Trials = _accuracy?.Trials ?? 0,
        WindowTrialAccuracy = _accuracy?.WindowTrialAccuracy,
        WindowTrials = _accuracy?.WindowTrials ?? 0,
        Cues = _accuracy?.Cues ?? 0,
        SkippedTrials = _skippedTrials,
        GuardedWindows = GuardedWindows,
        OnlineAlignment = OnlineAlignment is not null,
    };

    private void CountFrames(SignalChunk c)
    {
        if (c.Frames == 0) return;
        Volatile.Write(ref _lastChunkTicks, c.ArrivalTicks);
        if (double.IsNaN(_firstTime)) _firstTime = c.FirstTimestamp;
        _lastTime = c.LastTimestamp;
        Volatile.Write(ref _frames, _frames + c.Frames);
    }

    // The session's own time per window (window complete → prediction and command through the sinks), minus the model's run.
    private IObservable<Window> Timed(IObservable<Window> windows) => windows.AfterEach((w, start) =>
    {
        if (w.Label is not null) return; // a trial epoch: evaluation, not the live path
        var total = Stopwatch.GetTimestamp() - start;
        var model = _timedModel?.LastRunTicks ?? 0;
        if (_timedModel is not null) _modelTime.Add(model * 1000.0 / Stopwatch.Frequency);
        _addedTime.Add((total - model) * 1000.0 / Stopwatch.Frequency);
    });

    private static IObserver<SessionEvent> Fanout(IEnumerable<IObserver<SessionEvent>> sinks)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        var all = sinks.ToArray();
        return all.Length == 1 ? all[0] : Observer.Create<SessionEvent>(e =>
        {
            foreach (var s in all) s.OnNext(e);
        }, e =>
        {
            foreach (var s in all) s.OnError(e);
        }, () =>
        {
            foreach (var s in all) s.OnCompleted();
        });
    }

    private static OnlineAccuracy AccuracyFor(ModelCard card, IReadOnlyList<CueClass>? cues)
    {
        var markerToClass = new Dictionary<string, int>(StringComparer.Ordinal);
        if (cues is { Count: > 0 })
        {
            foreach (var cue in cues)
            {
                var index = -1;
                for (var i = 0; i < card.Classes.Count; i++)
                    if (string.Equals(card.Classes[i], cue.ClassName, StringComparison.Ordinal)) index = i;
                if (index < 0)
                    throw new PipelineException($"The cue marker '{cue.Marker}' is mapped to the class '{cue.ClassName}', which the model '{card.Name}' does not have; its classes are {string.Join(", ", card.Classes.Select(c => $"'{c}'"))} (give them in --classes, in the order of --markers).");
                if (!markerToClass.TryAdd(cue.Marker, index))
                    throw new PipelineException($"The cue marker '{cue.Marker}' is named twice; name each marker once.");
            }
        }
        else
        {
            for (var i = 0; i < card.Classes.Count; i++)
            {
                markerToClass[card.Classes[i]] = i;
                if (i < card.Markers.Count) markerToClass[card.Markers[i]] = i;
            }
        }
        var tmin = card.Window.TMin ?? 0;
        var tmax = card.Window.TMax ?? tmin + card.Window.Seconds;
        return new OnlineAccuracy(markerToClass, card.Classes.Count, tmin, tmax);
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
}
