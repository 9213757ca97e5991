using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Host.Sessions;

/// <summary>
/// Publishes a replayed stream and its markers as live LSL outlets — the usual stand-in for an amplifier. The
/// recording's timestamps are moved onto this machine's LSL clock (same spacing, starting now).
/// </summary>
internal sealed class LslPublisher : IObserver<SourceEvent>, IDisposable
{
    private readonly StreamOutlet _signal;
    private readonly StreamOutlet? _markers;
    private readonly double[] _timestamps;
    private readonly string[] _text = new string[1];
    private double _shift = double.NaN;

    public LslPublisher(StreamDescription stream, bool withMarkers, int maxChunkFrames, LslConfig config)
    {
        var sourceId = string.IsNullOrEmpty(stream.SourceId) ? $"pipeline-replay-{stream.Name}" : stream.SourceId;
        var info = new StreamInfo(stream.Name, stream.Type.Length > 0 ? stream.Type : "EEG", stream.ChannelCount, stream.NominalRate, ChannelFormat.Float32, sourceId);
        info.SetChannels(stream.ChannelLabels.Select((l, i) => new ChannelDescription(l, stream.ChannelUnits[i], stream.Type)));
        _signal = new StreamOutlet(info, config: config);
        if (withMarkers)
        {
            var markers = new StreamInfo(stream.Name + "-Markers", "Markers", 1, LSL.IrregularRate, ChannelFormat.String, sourceId + "-markers");
            _markers = new StreamOutlet(markers, config: config);
        }
        _timestamps = new double[Math.Max(1, maxChunkFrames)];
    }

    public StreamInfo SignalInfo => _signal.Info;
    public StreamInfo? MarkerInfo => _markers?.Info;
    public long SamplesSent { get; private set; }
    public long MarkersSent { get; private set; }
    public Exception? Error { get; private set; }

    /// <summary>Waits until someone consumes the signal stream, so a session sees the recording from its first sample.</summary>
    public bool WaitForConsumers(double seconds) => _signal.WaitForConsumers(seconds);

    public void OnNext(SourceEvent e)
    {
        if (e.Chunk is { } c)
        {
            if (c.Frames == 0) return;
            if (double.IsNaN(_shift)) _shift = LslClock.LocalClock() - c.LastTimestamp;
            var ts = _timestamps.Length >= c.Frames ? _timestamps.AsSpan(0, c.Frames) : new double[c.Frames];
            for (var i = 0; i < c.Frames; i++) ts[i] = c.Timestamps[i] + _shift;
            _signal.PushChunk(c.Samples, ts);
            SamplesSent += c.Frames;
        }
        else if (_markers is not null)
        {
            if (double.IsNaN(_shift)) _shift = LslClock.LocalClock() - e.Marker.Timestamp;
            _text[0] = e.Marker.Text;
            _markers.PushSample(_text, e.Marker.Timestamp + _shift);
            MarkersSent++;
        }
    }

    public void OnError(Exception error) => Error = error;

    public void OnCompleted() { }

    public void Dispose()
    {
        _signal.Dispose();
        _markers?.Dispose();
    }
}
