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
    private readonly object _gate = new();
    private long _frames;
    private long _windows;
    private long _skipped;
    private long _commands;
    private double _firstTime = double.NaN;
    private double _lastTime = double.NaN;

    /// <summary>Builds the session for a stream; checks the stream against the model card before anything runs.</summary>
    public DecodingSession(StreamDescription stream, DecodingSettings settings, IReadOnlyList<IPipelineSink> sinks, Action<string>? log = null)
    {
        _settings = settings;
        _sinks = sinks;
        Input = stream;
        var rate = settings.ResampleTo ?? stream.NominalRate;
        if (!(rate > 0))
            throw new PipelineException($"The stream '{stream.Name}' has no regular sampling rate, so it cannot be cut into windows; pick a signal stream with --stream.");

        if (settings.ModelPath is { } modelPath)
        {
            _runner = ModelRunner.Load(modelPath, settings.Runner, log);
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

    /// <summary>Wires the operator chain onto the chunks of a source.</summary>
    public IObservable<Window> Windows(IObservable<SignalChunk> chunks)
    {
        var s = chunks.Do(CountFrames).DetectGaps(OnGap);
        if (_runner is not null || _settings.Channels is not null) s = s.SelectChannels(Channels);
        if (_settings.ResampleTo is { } r && Math.Abs(r - Input.NominalRate) > 1e-9) s = s.Resample(r);
        if (NotchHz > 0) s = s.Notch(NotchHz);
        if (Band is { } b) s = s.BandPass(b.Low, b.High);
        return s.SlidingWindows(new SlidingWindowOptions { LengthSamples = _windowSamples, HopSeconds = _settings.HopSeconds, Session = _settings.Session });
    }

    /// <summary>
    /// Runs the session over a source's events until it completes, fails or <paramref name="cancel"/> fires.
    /// Returns the summary (also handed to every sink).
    /// </summary>
    /// <param name="events">The source's chunks and markers, in order, from one thread at a time.</param>
    /// <param name="cancel">Stops the session (Ctrl+C, a duration); the summary covers what was done.</param>
    /// <param name="subscribed">Called once the session listens, e.g. to start a hot source without losing its first chunks.</param>
    public SessionSummary Run(IObservable<SourceEvent> events, CancellationToken cancel, Action? subscribed = null)
    {
        var wall = Stopwatch.StartNew();
        var chunks = new Subject<SignalChunk>();
        Exception? failure = null;
        using var done = new ManualResetEventSlim();
        using var windowSubscription = Windows(chunks).Subscribe(OnWindow, e => { failure = e; done.Set(); });
        // The gate is taken once per chunk or marker (never per sample) so a cancelled run cannot race the summary.
        using var sourceSubscription = events.Subscribe(
            e =>
            {
                lock (_gate)
                {
                    if (e.Chunk is { } c) chunks.OnNext(c);
                    else OnMarker(e.Marker);
                }
            },
            e => { failure ??= e; done.Set(); },
            () => { chunks.OnCompleted(); done.Set(); });
        subscribed?.Invoke();
        try
        {
            done.Wait(cancel);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: stop the source and report what was done so far.
        }
        sourceSubscription.Dispose();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        SessionSummary summary;
        lock (_gate) summary = Summary(wall.Elapsed.TotalSeconds);
        foreach (var sink in _sinks) sink.OnCompleted(summary);
        return summary;
    }

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
        _gaps.Add(gap);
        _decisions?.Reset();
        foreach (var sink in _sinks) sink.OnGap(gap);
    }

    private void OnMarker(Marker marker)
    {
        _accuracy?.OnMarker(marker);
        foreach (var sink in _sinks) sink.OnMarker(marker);
    }

    private void OnWindow(Window w)
    {
        var complete = Stopwatch.GetTimestamp();
        long modelTicks = 0;
        _windows++;
        if (!AllFinite(w.Data))
        {
            _skipped++;
            return;
        }
        var p = _prediction;
        p.WindowIndex = w.Index;
        p.StartTime = w.StartTime;
        p.EndTime = w.EndTime;
        p.NewestArrivalTicks = w.NewestArrivalTicks;
        if (_runner is not null)
        {
            var slot = _runner.InputSlot(0, 0);
            if (_alignment is not null) _alignment.Apply(w.Data, slot, w.Samples);
            else w.Data.AsSpan().CopyTo(slot);
            if (_scale != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(slot, _scale, slot);
            _runner.RunBucket(0);
            modelTicks = _runner.LastRunTicks;
            _runner.Probabilities(0, 0).CopyTo(p.Values);
            var best = 0;
            for (var i = 1; i < p.Values.Length; i++) if (p.Values[i] > p.Values[best]) best = i;
            p.Label = _classNames[best];
            p.Confidence = p.Values[best];
            _accuracy!.OnPrediction(p, _classNames);
        }
        else
        {
            // The window is band-passed, so its mean square is the band power of that band.
            SignalPower.LogMeanSquare(w, p.Values);
            p.Label = null;
            p.Confidence = 0;
        }
        foreach (var sink in _sinks) sink.OnPrediction(p);
        if (_decisions?.Update(p) is { } command)
        {
            _commands++;
            foreach (var sink in _sinks) sink.OnCommand(command);
        }
        _latency.AddSince(w.NewestArrivalTicks);
        var done = Stopwatch.GetTimestamp();
        if (_runner is not null) _modelTime.Add(modelTicks * 1000.0 / Stopwatch.Frequency);
        _addedTime.Add((done - complete - modelTicks) * 1000.0 / Stopwatch.Frequency);
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
    public void Dispose() => _runner?.Dispose();
}
