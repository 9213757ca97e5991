using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

// The state of one EventLockedEpochs subscription: a ring of recent frames and the markers waiting for data.
internal sealed class EpochCutter
{
    private readonly EpochOptions _options;
    private readonly EpochStatistics _stats;
    private readonly HashSet<string>? _labels;
    private readonly List<Marker> _pending = [];
    private StreamDescription? _description;
    private Window? _window;
    private float[] _ring = [];
    private double[] _times = [];
    private int _capacity, _channels, _length;
    private long _written;
    private double _period;
    private long _arrival;
    private long _index;

    public EpochCutter(EpochOptions options)
    {
        _options = options;
        _stats = options.Statistics ?? new EpochStatistics();
        _labels = options.Labels is { Count: > 0 } l ? new HashSet<string>(l, StringComparer.Ordinal) : null;
        _pending.Capacity = Math.Max(1, options.MaxPendingMarkers);
    }

    public void AddMarker(Marker marker, Action<Window> emit)
    {
        if (_labels is not null && !_labels.Contains(marker.Text)) { _stats.Ignored++; return; }
        if (_pending.Count >= _options.MaxPendingMarkers) { _pending.RemoveAt(0); _stats.SkippedOverflow++; }
        _pending.Add(marker);
        if (_written > 0) Resolve(emit, final: false);
    }

    public void AddChunk(SignalChunk chunk, Action<Window> emit)
    {
        if (!ReferenceEquals(chunk.Description, _description)) Rebuild(chunk.Description);
        _arrival = chunk.ArrivalTicks;
        var samples = chunk.Samples;
        var ts = chunk.TimestampSpan;
        for (int f = 0; f < ts.Length; f++)
        {
            int pos = (int)(_written % _capacity);
            int src = f * _channels;
            for (int c = 0; c < _channels; c++) _ring[c * _capacity + pos] = samples[src + c];
            _times[pos] = ts[f];
            _written++;
            // Per frame, so that a chunk longer than the history cannot evict an epoch before it is cut.
            if (_pending.Count > 0) Resolve(emit, final: false);
        }
    }

    public void Complete(Action<Window> emit)
    {
        if (_written > 0) Resolve(emit, final: true);
        _stats.SkippedOffEnd += _pending.Count;
        _pending.Clear();
    }

    private void Rebuild(StreamDescription d)
    {
        if (!d.IsRegular) throw new PipelineException($"Stream '{d.Name}' has no nominal rate; event-locked epochs need a regular stream.");
        var samples = Math.Round((_options.TMax - _options.TMin) * d.NominalRate);
        var history = Math.Ceiling(Math.Max(0, _options.HistorySeconds) * d.NominalRate);
        // The ring holds channels x (epoch + history) floats: refuse what no array can hold instead of overflowing.
        if (!((samples + history + 1) * Math.Max(1, d.ChannelCount) <= Array.MaxLength))
            throw new PipelineException($"Epochs of {_options.TMin}..{_options.TMax} s with {_options.HistorySeconds} s of history at {d.NominalRate} Hz on {d.ChannelCount} channels need more memory than one array holds; cut shorter epochs.");
        int length = (int)samples;
        if (length < 1) throw new PipelineException($"The epoch {_options.TMin}..{_options.TMax} s is shorter than one sample at {d.NominalRate} Hz; make TMax larger than TMin.");
        if (_description is null || d.ChannelCount != _channels || d.NominalRate != _description.NominalRate)
        {
            _length = length;
            _channels = d.ChannelCount;
            _period = 1 / d.NominalRate;
            _capacity = length + (int)history + 1;
            _ring = new float[_capacity * Math.Max(1, _channels)];
            _times = new double[_capacity];
            _written = 0;
        }
        _window = new Window(d, _length, _options.Session);
        _description = d;
    }

    private double TimeAt(long i) => _times[(int)(i % _capacity)];

    private void Resolve(Action<Window> emit, bool final)
    {
        long oldest = Math.Max(0, _written - _capacity), newest = _written - 1;
        for (int m = 0; m < _pending.Count; m++)
        {
            var marker = _pending[m];
            // A hair of tolerance, so a marker on a sample (up to clock rounding) starts the epoch there.
            double start = marker.Timestamp + _options.TMin - 1e-4 * _period;
            if (start > TimeAt(newest)) continue; // its data has not arrived yet
            // First frame at or after start (timestamps rise within the kept history).
            long lo = oldest, hi = newest;
            while (lo < hi)
            {
                long mid = lo + (hi - lo) / 2;
                if (TimeAt(mid) >= start) hi = mid; else lo = mid + 1;
            }
            long first = lo;
            bool beforeData = first == oldest && TimeAt(oldest) - start > 0.5 * _period;
            if (beforeData)
            {
                _stats.SkippedOutOfRange++;
            }
            else if (first > oldest && GapRule.IsBreak(TimeAt(first - 1), TimeAt(first), _period))
            {
                _stats.SkippedGap++; // start falls inside a hole
            }
            else if (first + _length - 1 > newest)
            {
                if (!final) continue; // wait for the rest of the epoch
                _stats.SkippedOffEnd++;
            }
            else if (HasBreak(first))
            {
                _stats.SkippedGap++;
            }
            else
            {
                Cut(first, marker);
                _stats.Emitted++;
                emit(_window!);
            }
            _pending.RemoveAt(m);
            m--;
        }
    }

    private bool HasBreak(long first)
    {
        for (long i = first + 1; i < first + _length; i++)
            if (GapRule.IsBreak(TimeAt(i - 1), TimeAt(i), _period)) return true;
        return false;
    }

    private void Cut(long first, Marker marker)
    {
        var w = _window!;
        int pos = (int)(first % _capacity);
        int head = Math.Min(_length, _capacity - pos);
        for (int c = 0; c < _channels; c++)
        {
            Array.Copy(_ring, c * _capacity + pos, w.Data, c * _length, head);
            Array.Copy(_ring, c * _capacity, w.Data, c * _length + head, _length - head);
        }
        w.StartTime = TimeAt(first);
        w.EndTime = TimeAt(first + _length - 1);
        w.NewestArrivalTicks = _arrival;
        w.Label = marker.Text;
        w.CueTime = marker.Timestamp;
        w.Index = _index++;
    }
}
