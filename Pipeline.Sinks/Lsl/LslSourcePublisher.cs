using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sinks.Lsl;

/// <summary>
/// Publishes a source's chunks and markers as live LSL outlets — a replayed recording as the usual stand-in for an
/// amplifier. The timestamps are moved onto this machine's LSL clock (starting now, the recording's spacing kept). At
/// live pace they are never later than the clock at the moment they are pushed, as an amplifier's are: a chunk the
/// pacing delivers early moves the mapping back (or, where that would reorder samples, waits the few milliseconds),
/// and a marker is held until the clock has reached its time. A sped-up replay keeps the recording's spacing too (so
/// windows, cue times and refractory periods mean what they mean in the recording), so its timestamps run ahead of
/// the clock by design. Gaps the source reports are not published (the timestamps show them).
/// </summary>
public sealed class LslSourcePublisher : IObserver<SourceEvent>, IDisposable
{
    private readonly StreamOutlet _signal;
    private readonly StreamOutlet? _markers;
    private readonly double[] _timestamps;
    private readonly string[] _text = new string[1];
    private readonly double _speed;
    private readonly Queue<(double Time, string Text)> _heldMarkers = new();
    private double _recordingAnchor = double.NaN, _localAnchor;
    private double _lastPushed = double.NegativeInfinity;

    /// <summary>Opens the outlets: the signal stream, and a string marker stream named <c>{name}-Markers</c> when <paramref name="withMarkers"/>.</summary>
    /// <param name="stream">The stream to publish.</param>
    /// <param name="withMarkers">Also publish the source's markers.</param>
    /// <param name="maxChunkFrames">The largest chunk the source sends (its timestamps are shifted in a buffer of this size).</param>
    /// <param name="config">LSL network settings (null: the process's lsl_api.cfg).</param>
    /// <param name="speed">The replay's pace: at 1 (or slower) no timestamp is later than the clock when it is pushed; faster, the recording's spacing runs ahead of the clock.</param>
    public LslSourcePublisher(StreamDescription stream, bool withMarkers, int maxChunkFrames, LslConfig? config = null, double speed = 1)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!(speed > 0) || double.IsInfinity(speed)) throw new ArgumentOutOfRangeException(nameof(speed), speed, "The speed must be a positive finite number.");
        _speed = speed;
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
            var now = LslClock.LocalClock();
            if (double.IsNaN(_recordingAnchor)) Anchor(c.LastTimestamp, now);
            var ahead = Place(c.LastTimestamp) - now;
            if (ahead > 0 && _speed <= 1)
            {
                // Early (the pacing started before the first chunk was pushed): move the mapping back, as far as the
                // samples stay after those already sent, and wait out the rest.
                var room = Math.Max(0, Place(c.FirstTimestamp) - _lastPushed - 1e-6);
                var back = Math.Min(ahead, room);
                _localAnchor -= back;
                if (ahead - back > 0) WaitUntil(Place(c.LastTimestamp));
            }
            var ts = _timestamps.Length >= c.Frames ? _timestamps.AsSpan(0, c.Frames) : new double[c.Frames];
            for (var i = 0; i < c.Frames; i++) ts[i] = Place(c.Timestamps[i]);
            _signal.PushChunk(c.Samples, ts);
            _lastPushed = ts[^1];
            SamplesSent += c.Frames;
            PushDueMarkers(_speed <= 1 ? LslClock.LocalClock() : double.PositiveInfinity);
        }
        else if (value.IsMarker && _markers is not null)
        {
            if (double.IsNaN(_recordingAnchor)) Anchor(value.Marker.Timestamp, LslClock.LocalClock());
            // A marker comes with (or just before) the chunk that holds its time: it waits until the clock is there.
            _heldMarkers.Enqueue((Place(value.Marker.Timestamp), value.Marker.Text));
            PushDueMarkers(_speed <= 1 ? LslClock.LocalClock() : double.PositiveInfinity);
        }
    }

    // Sleeps (whole milliseconds, rounded up) until the LSL clock has reached time.
    private static void WaitUntil(double time)
    {
        double left;
        while ((left = time - LslClock.LocalClock()) > 0) Thread.Sleep(Math.Max(1, (int)Math.Ceiling(left * 1000)));
    }

    private void Anchor(double recordingTime, double now)
    {
        _recordingAnchor = recordingTime;
        _localAnchor = now;
    }

    private double Place(double recordingTime) => _localAnchor + (recordingTime - _recordingAnchor);

    private void PushDueMarkers(double now)
    {
        while (_heldMarkers.TryPeek(out var m) && m.Time <= now) PushMarker(_heldMarkers.Dequeue());
    }

    private void PushMarker((double Time, string Text) m)
    {
        _text[0] = m.Text;
        _markers!.PushSample(_text, m.Time);
        MarkersSent++;
    }

    /// <inheritdoc />
    public void OnError(Exception error) => Error = error;

    /// <inheritdoc />
    public void OnCompleted()
    {
        // Markers still held at the end (their time not yet reached): one that is due within half a second is waited
        // for; a later one (after the last sample, or a stop) goes out now, stamped now, never in the future.
        while (_heldMarkers.TryDequeue(out var m))
        {
            var wait = m.Time - LslClock.LocalClock();
            if (wait is > 0 and <= 0.5) WaitUntil(m.Time);
            PushMarker((Math.Min(m.Time, LslClock.LocalClock()), m.Text));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _signal.Dispose();
        _markers?.Dispose();
    }
}
