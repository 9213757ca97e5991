using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sinks.Lsl;

/// <summary>
/// Publishes a source's chunks and markers as live LSL outlets — a replayed recording as the usual stand-in for an
/// amplifier. The timestamps are moved onto this machine's LSL clock (same spacing, starting now); gaps the source
/// reports are not published (the timestamps show them).
/// </summary>
public sealed class LslSourcePublisher : IObserver<SourceEvent>, IDisposable
{
    private readonly StreamOutlet _signal;
    private readonly StreamOutlet? _markers;
    private readonly double[] _timestamps;
    private readonly string[] _text = new string[1];
    private double _shift = double.NaN;

    /// <summary>Opens the outlets: the signal stream, and a string marker stream named <c>{name}-Markers</c> when <paramref name="withMarkers"/>.</summary>
    /// <param name="stream">The stream to publish.</param>
    /// <param name="withMarkers">Also publish the source's markers.</param>
    /// <param name="maxChunkFrames">The largest chunk the source sends (its timestamps are shifted in a buffer of this size).</param>
    /// <param name="config">LSL network settings (null: the process's lsl_api.cfg).</param>
    public LslSourcePublisher(StreamDescription stream, bool withMarkers, int maxChunkFrames, LslConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var info = stream.ToStreamInfo($"pipeline-replay-{stream.Name}");
        _signal = new StreamOutlet(info, config: config);
        if (withMarkers)
        {
            var markers = new StreamInfo(stream.Name + "-Markers", "Markers", 1, LSL.IrregularRate, ChannelFormat.String, info.SourceId + "-markers");
            _markers = new StreamOutlet(markers, config: config);
        }
        _timestamps = new double[Math.Max(1, maxChunkFrames)];
    }

    /// <summary>The signal outlet's stream info.</summary>
    public StreamInfo SignalInfo => _signal.Info;
    /// <summary>The marker outlet's stream info, or null.</summary>
    public StreamInfo? MarkerInfo => _markers?.Info;
    /// <summary>Samples published.</summary>
    public long SamplesSent { get; private set; }
    /// <summary>Markers published.</summary>
    public long MarkersSent { get; private set; }
    /// <summary>The source's failure, if it failed.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Waits until someone consumes the signal stream, so a session sees the recording from its first sample.</summary>
    public bool WaitForConsumers(double seconds) => _signal.WaitForConsumers(seconds);

    /// <inheritdoc />
    public void OnNext(SourceEvent value)
    {
        if (value.Chunk is { } c)
        {
            if (c.Frames == 0) return;
            if (double.IsNaN(_shift)) _shift = LslClock.LocalClock() - c.LastTimestamp;
            var ts = _timestamps.Length >= c.Frames ? _timestamps.AsSpan(0, c.Frames) : new double[c.Frames];
            for (var i = 0; i < c.Frames; i++) ts[i] = c.Timestamps[i] + _shift;
            _signal.PushChunk(c.Samples, ts);
            SamplesSent += c.Frames;
        }
        else if (value.IsMarker && _markers is not null)
        {
            if (double.IsNaN(_shift)) _shift = LslClock.LocalClock() - value.Marker.Timestamp;
            _text[0] = value.Marker.Text;
            _markers.PushSample(_text, value.Marker.Timestamp + _shift);
            MarkersSent++;
        }
    }

    /// <inheritdoc />
    public void OnError(Exception error) => Error = error;

    /// <inheritdoc />
    public void OnCompleted() { }

    /// <inheritdoc />
    public void Dispose()
    {
        _signal.Dispose();
        _markers?.Dispose();
    }
}
