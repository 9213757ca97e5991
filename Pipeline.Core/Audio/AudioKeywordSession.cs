using System.Diagnostics;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Audio;

/// <summary>
/// The speech path: 16 kHz chunks → Silero VAD (32 ms frames) → speech segments → the last second of audio when a
/// segment closes → SSL upstream → interface+head → label → the shared <see cref="DecisionMaker"/> (threshold,
/// refractory, rest class) → a <see cref="KeywordDetection"/> for the sinks. Gating on the VAD runs the expensive
/// upstream once per utterance instead of once per hop. The model runs either in this session's own thread
/// (<see cref="SslKeywordModel"/>) or in a <see cref="BatchingModelRunner"/> shared with other audio sessions, which
/// batches whatever windows are queued; then <see cref="Detected"/> is raised on the runner's thread, in order.
/// Push chunks from one thread; nothing is allocated per sample, and a window allocates only its result record.
/// </summary>
public sealed class AudioKeywordSession : IDisposable
{
    private readonly SslKeywordModel _model;
    private readonly BatchClient? _client;
    private readonly SileroVad _vad;
    private readonly AudioSessionOptions _options;
    private readonly Func<double> _clock;
    private readonly SpeechSegmenter _segmenter;
    private readonly DecisionMaker _decisions;
    private readonly Prediction _prediction;
    private readonly HashSet<string> _ignored;
    private readonly float[] _ring;
    private readonly float[] _window;
    private readonly float[] _frame = new float[SileroVad.FrameSamples];
    // Segments waiting for their batched result, by window index (the runner delivers in order; dropped ones are skipped).
    private readonly (SpeechSegment Segment, long SubmitTicks)[] _pending;
    private int _frameFill;
    private long _written;
    private double _lastTimestamp = double.NaN;
    private long _windowIndex;

    /// <summary>A session that runs <paramref name="model"/> itself; <paramref name="clock"/> reads the LSL clock.</summary>
    public AudioKeywordSession(SslKeywordModel model, SileroVad vad, AudioSessionOptions options, Func<double> clock)
        : this(model, null, vad, options, clock)
    {
    }

    /// <summary>
    /// A session whose windows go to <paramref name="shared"/> (a runner over an <see cref="SslKeywordModel"/>),
    /// batched with other sessions' windows. Live sessions drop their oldest queued window when the runner falls
    /// behind; file replays (<see cref="AudioSessionOptions.Live"/> false) wait instead.
    /// </summary>
    public AudioKeywordSession(BatchingModelRunner shared, SileroVad vad, AudioSessionOptions options, Func<double> clock)
        : this((shared ?? throw new ArgumentNullException(nameof(shared))).Model as SslKeywordModel
               ?? throw new PipelineException($"The shared model '{Path.GetFileName(shared.Model.ModelPath)}' is not a speech model; give an audio session an SSL keyword model."),
               shared, vad, options, clock)
    {
    }

    private AudioKeywordSession(SslKeywordModel model, BatchingModelRunner? shared, SileroVad vad, AudioSessionOptions options, Func<double> clock)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vad);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        _model = model;
        _vad = vad;
        _options = options;
        _clock = clock;
        _segmenter = new SpeechSegmenter(options.Vad);
        var decision = options.Decision;
        if (decision.RestClass is { } rest && !model.Classes.Contains(rest)) decision = decision with { RestClass = null };
        var names = new Dictionary<string, string>(decision.CommandNames);
        foreach (var (k, v) in model.HeadCard.Commands) names.TryAdd(k, v);
        _decisions = new DecisionMaker(model.Classes, decision with { CommandNames = names });
        _prediction = new Prediction("probabilities", model.Classes) { Session = options.Session };
        _ignored = [.. options.IgnoredClasses];
        _ring = new float[model.WindowSamples];
        _window = new float[model.WindowSamples];
        if (shared is not null)
        {
            _client = shared.Connect(options.Session, OnResult, blockWhenFull: !options.Live);
            // Outstanding at most: a full queue plus a whole batch in flight.
            _pending = new (SpeechSegment, long)[2 * _client.Capacity + shared.MaxBatch + 1];
        }
        else
        {
            _pending = [];
        }
    }

    /// <summary>Raised for every classified segment (also those that gave no command).</summary>
    public event Action<KeywordDetection>? Detected;

    /// <summary>Raised for every 32 ms VAD frame with the time of its last sample and its speech probability (on the pushing thread; for live views).</summary>
    public event Action<double, float>? VoiceActivity;

    /// <summary>Raised when the VAD closes a speech segment, before it is classified.</summary>
    public event Action<SpeechSegment>? SegmentClosed;

    /// <summary>Segments sent to the model so far.</summary>
    public long Windows => _windowIndex;

    /// <summary>Segments dropped because the shared runner was behind (live sessions only).</summary>
    public long Dropped => _client?.Dropped ?? 0;

    /// <summary>Feeds one chunk of 16 kHz mono audio.</summary>
    /// <exception cref="PipelineException">The chunk is not 16 kHz mono.</exception>
    public void Push(SignalChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Channels != 1 || Math.Abs(chunk.Description.NominalRate - SpeechAudio.Rate) > 1e-6)
            throw new PipelineException($"Stream '{chunk.Description.Name}' is {chunk.Channels} channel(s) at {chunk.Description.NominalRate} Hz; the speech path needs 16 kHz mono (resample the source).");
        var samples = chunk.Samples;
        var stamps = chunk.TimestampSpan;
        for (var i = 0; i < samples.Length; i++)
        {
            _ring[(int)(_written % _ring.Length)] = samples[i];
            _written++;
            _lastTimestamp = stamps[i];
            _frame[_frameFill++] = samples[i];
            if (_frameFill == _frame.Length)
            {
                _frameFill = 0;
                var end = _lastTimestamp + 1.0 / SpeechAudio.Rate;
                var p = _vad.Process(_frame);
                VoiceActivity?.Invoke(_lastTimestamp, p);
                if (_segmenter.Push(p, end - SileroVad.FrameSamples / (double)SpeechAudio.Rate, end) is { } segment)
                    Classify(segment, chunk.ArrivalTicks);
            }
        }
    }

    /// <summary>
    /// Closes a segment still open at the end of the input and classifies it; with a shared runner, also waits until
    /// every queued window has its result.
    /// </summary>
    public void Complete(CancellationToken cancel = default)
    {
        if (!double.IsNaN(_lastTimestamp) && _segmenter.Flush(_lastTimestamp) is { } segment) Classify(segment, Stopwatch.GetTimestamp());
        _client?.WaitIdle(cancel);
        if (_client?.Failure is { } failure) throw new PipelineException($"The audio session '{_options.Session}' stopped: {failure.Message}", failure);
    }

    private void Classify(SpeechSegment segment, long arrivalTicks)
    {
        SegmentClosed?.Invoke(segment);
        // The window is the last second of audio: the word plus what the VAD needed to hear to close it.
        var n = _window.Length;
        var available = (int)Math.Min(_written, n);
        Array.Clear(_window, 0, n - available);
        for (var i = 0; i < available; i++)
            _window[n - available + i] = _ring[(int)((_written - available + i) % n)];
        var ticket = new WindowTicket(_windowIndex++, _lastTimestamp - (n - 1) / (double)SpeechAudio.Rate, _lastTimestamp, arrivalTicks);
        var started = Stopwatch.GetTimestamp();
        if (_client is not null)
        {
            _pending[ticket.WindowIndex % _pending.Length] = (segment, started);
            _client.Submit(_window, ticket);
            return;
        }
        var probabilities = _model.Classify(_window);
        Finish(segment, ticket, probabilities, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private void OnResult(in WindowTicket ticket, ReadOnlySpan<float> probabilities)
    {
        var (segment, submitted) = _pending[ticket.WindowIndex % _pending.Length];
        Finish(segment, ticket, probabilities, Stopwatch.GetElapsedTime(submitted).TotalSeconds);
    }

    private void Finish(SpeechSegment segment, in WindowTicket ticket, ReadOnlySpan<float> probabilities, double inference)
    {
        probabilities.CopyTo(_prediction.Values);
        var best = 0;
        for (var c = 1; c < probabilities.Length; c++) if (probabilities[c] > probabilities[best]) best = c;
        _prediction.WindowIndex = ticket.WindowIndex;
        _prediction.StartTime = ticket.StartTime;
        _prediction.EndTime = ticket.EndTime;
        _prediction.NewestArrivalTicks = ticket.NewestArrivalTicks;
        _prediction.Label = _model.Classes[best];
        _prediction.Confidence = probabilities[best];
        var command = _decisions.Update(_prediction);
        var commandName = command is not null && !_ignored.Contains(command.ClassName) ? command.Name : null;
        var labelTime = _options.Live ? _clock() : ticket.EndTime + inference;
        Detected?.Invoke(new KeywordDetection(_model.Classes[best], probabilities[best], commandName, segment, labelTime,
            labelTime - segment.End, inference, probabilities.ToArray()));
    }

    /// <summary>Leaves the shared runner (windows still queued are discarded).</summary>
    public void Dispose() => _client?.Dispose();
}
