using System.Diagnostics;

namespace Pipeline.Host.Dashboard;

/// <summary>
/// The dashboard of one CLI session (<c>run</c>, <c>replay</c>, <c>listen</c>): one row, no start/stop buttons; the
/// counters are the Core session's own (<see cref="Core.Monitoring.SessionMonitor.Decoder"/>), EEG and speech alike.
/// </summary>
internal sealed class SingleSessionDashboard : IDashboardSessions
{
    private readonly LiveSession _live;
    private readonly string _source;
    private readonly Lock _rateGate = new();
    private long _rateFrames, _rateTicks;
    private double _rateHz;

    /// <summary>A dashboard of <paramref name="live"/>.</summary>
    /// <param name="title">The page's title.</param>
    /// <param name="live">The session's monitor, attached to the session (<see cref="SessionMonitors.Attach"/>).</param>
    /// <param name="source">What the source is (a file name or stream name, never a path).</param>
    public SingleSessionDashboard(string title, LiveSession live, string source)
    {
        Title = title;
        _live = live;
        _source = source;
    }

    /// <inheritdoc />
    public string Title { get; }
    /// <inheritdoc />
    public bool Controllable => false;

    /// <inheritdoc />
    public bool Exists(string id) => id == _live.Monitor.Session;

    /// <inheritdoc />
    public LiveSession? Live(string id) => Exists(id) ? _live : null;

    /// <inheritdoc />
    public IReadOnlyList<DashboardSessionSummary> List()
    {
        var m = _live.Monitor;
        var session = m.Decoder;
        var frames = session?.Frames ?? 0;
        return [new DashboardSessionSummary
        {
            Id = m.Session,
            State = m.Completed ? "completed" : "running",
            Kind = _live.Kind,
            Source = PathRedaction.FileNamesOnly(_source),
            Model = _live.Model,
            NominalRateHz = session?.Input.NominalRate ?? 0,
            InputRateHz = Math.Round(InputRate(frames), 2),
            Frames = frames,
            Windows = session?.Windows ?? m.Predictions,
            Commands = m.CommandCount,
            Drops = session?.Dropped ?? 0,
            Skipped = session?.SkippedWindows ?? 0,
            Gaps = m.GapCount,
            LatencyP50Ms = Quantile(m, 0.5),
            LatencyP99Ms = Quantile(m, 0.99),
            Quality = m.Quality is { Blocks: > 0 } q ? [.. q.Snapshot().Where(c => !c.IsGood).Select(ChannelQualityView.Of)] : [],
        }];
    }

    // Frames per second between two calls at least half a second apart (the page asks about once a second).
    private double InputRate(long frames)
    {
        lock (_rateGate)
        {
            var now = Stopwatch.GetTimestamp();
            var seconds = (now - _rateTicks) / (double)Stopwatch.Frequency;
            if (_rateTicks == 0 || seconds >= 0.5)
            {
                if (_rateTicks != 0) _rateHz = (frames - _rateFrames) / seconds;
                _rateFrames = frames;
                _rateTicks = now;
            }
            return _rateHz;
        }
    }

    // Quantiles of the last kept latencies (up to the ring's capacity), ms.
    private static double? Quantile(Core.Monitoring.SessionMonitor m, double q)
    {
        var ring = m.LatencyRing;
        var values = new float[ring.Capacity];
        var times = new double[ring.Capacity];
        long cursor = 0;
        var n = ring.Read(ref cursor, values, times, out _);
        if (n == 0) return null;
        var sorted = values.AsSpan(0, n).ToArray().Where(float.IsFinite).Select(v => (double)v).Order().ToArray();
        return sorted.Length == 0 ? null : Math.Round(Core.Evaluation.LatencyRecorder.QuantileOfSorted(sorted, q), 3);
    }
}
