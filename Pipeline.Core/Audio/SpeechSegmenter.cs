namespace Pipeline.Core.Audio;

/// <summary>
/// Turns a sequence of VAD frame probabilities into speech segments: speech starts at a frame at or above the
/// threshold and ends when the probability has stayed below the lower threshold for the minimum silence. A pure
/// state machine over (probability, frame start, frame end), so it is tested without the model.
/// </summary>
public sealed class SpeechSegmenter
{
    private readonly VadOptions _options;
    private bool _inSpeech;
    private double _start, _lastSpeechEnd, _silenceStart;
    private float _max;

    /// <summary>Creates a segmenter.</summary>
    public SpeechSegmenter(VadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>True while inside speech.</summary>
    public bool InSpeech => _inSpeech;

    /// <summary>Start time of the speech in progress (NaN when not in speech).</summary>
    public double CurrentStart => _inSpeech ? Math.Max(0, _start - _options.PadSeconds) : double.NaN;

    /// <summary>Feeds one frame; returns the segment that this frame closed, or null.</summary>
    public SpeechSegment? Push(float probability, double frameStart, double frameEnd)
    {
        if (!_inSpeech)
        {
            if (probability < _options.Threshold) return null;
            _inSpeech = true;
            _start = frameStart;
            _lastSpeechEnd = frameEnd;
            _silenceStart = double.NaN;
            _max = probability;
            return null;
        }
        _max = Math.Max(_max, probability);
        if (probability >= _options.LowThreshold)
        {
            _lastSpeechEnd = frameEnd;
            _silenceStart = double.NaN;
            return null;
        }
        if (double.IsNaN(_silenceStart)) _silenceStart = frameStart;
        if (frameEnd - _silenceStart < _options.MinSilenceSeconds) return null;
        _inSpeech = false;
        if (_lastSpeechEnd - _start < _options.MinSpeechSeconds) return null;
        return new SpeechSegment(_start - _options.PadSeconds, _lastSpeechEnd + _options.PadSeconds, _max, frameEnd);
    }

    /// <summary>Closes the segment in progress at the end of the stream (null when not in speech or too short).</summary>
    public SpeechSegment? Flush(double endTime)
    {
        if (!_inSpeech) return null;
        _inSpeech = false;
        if (_lastSpeechEnd - _start < _options.MinSpeechSeconds) return null;
        return new SpeechSegment(_start - _options.PadSeconds, _lastSpeechEnd + _options.PadSeconds, _max, endTime);
    }

    /// <summary>Forgets any speech in progress.</summary>
    public void Reset() => _inSpeech = false;
}
