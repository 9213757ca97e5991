namespace Pipeline.Lsl;

/// <summary>
/// Receives one stream (liblsl's <c>stream_inlet</c>): connects to the outlet's data port, negotiates protocol 1.10
/// (or 1.00), verifies the test patterns, and decodes samples into a bounded buffer on a background thread. When the
/// outlet disappears, the inlet re-resolves it by its identifying fields and reconnects (if it has a source id),
/// reporting the outage through <see cref="Interrupted"/> and the gap through <see cref="Recovered"/>. Pull from one
/// thread at a time.
/// </summary>
/// <remarks>
/// Built from liblsl's parts: <see cref="InletConnection"/> (endpoints, outages, recovery), <see cref="DataReceiver"/>
/// (the feed thread and its handshake), <see cref="InfoReceiver"/> (the full info), <see cref="TimeCorrectionEstimator"/>
/// (clock offset) and <see cref="TimePostProcessor"/> (clock sync, dejitter, monotonize); this class is the pull API.
/// </remarks>
public sealed class StreamInlet : IDisposable
{
    private delegate void Load<T>(ReadOnlySpan<byte> raw, ChannelFormat format, Span<T> values);

    private readonly InletConnection _connection;
    private readonly DataReceiver _receiver;
    private readonly InfoReceiver _infoReceiver;
    private readonly TimeCorrectionEstimator _time;
    private readonly TimePostProcessor _post;
    private readonly SampleQueue _queue;
    private readonly ChannelFormat _format;
    private readonly int _channels;
    private readonly string _name;
    private readonly byte[] _pullRaw;
    private readonly string[] _pullStrings;
    private int _disposed;

    /// <summary>
    /// Creates an inlet for a resolved stream and starts connecting in the background.
    /// </summary>
    /// <param name="info">A stream info from a resolve (address and ports known), or a hand-made one with a source id.</param>
    /// <param name="maxBuflen">Seconds of data buffered (x 100 samples for irregular streams); older samples are dropped.</param>
    /// <param name="maxChunklen">Samples per network chunk asked of the outlet (0: the outlet decides).</param>
    /// <param name="recover">Re-resolve and reconnect when the outlet disappears (needs a non-empty source id).</param>
    /// <param name="processing">Optional timestamp post-processing.</param>
    /// <param name="config">Network configuration (default: <see cref="LslConfig.Default"/>).</param>
    /// <param name="accept">Which outlets a recovery may reconnect to, asked of each answer when it arrives (null: any
    /// that matches the stream's identity). A session passes "not one of my own outlets", which may open later.</param>
    public StreamInlet(StreamInfo info, int maxBuflen = 360, int maxChunklen = 0, bool recover = true,
        ProcessingOptions processing = ProcessingOptions.None, LslConfig? config = null, Func<StreamInfo, bool>? accept = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.ChannelFormat == ChannelFormat.Undefined)
            throw new ArgumentException($"Stream '{info.Name}' has an undefined channel format; it cannot be received.", nameof(info));
        if (info.ChannelCount < 1)
            throw new ArgumentException($"Stream '{info.Name}' has no channels; it cannot be received.", nameof(info));
        config ??= LslConfig.Default;
        _connection = new InletConnection(info, config, recover, accept);
        _name = info.Name;
        _format = info.ChannelFormat;
        _channels = info.ChannelCount;
        var buffered = (int)Math.Clamp(Math.Max(1, maxBuflen) * (info.NominalSrate > 0 ? info.NominalSrate : 100), 1, int.MaxValue / 2);
        _receiver = new DataReceiver(_connection, buffered, Math.Max(0, maxChunklen));
        _queue = _receiver.Queue;
        _infoReceiver = new InfoReceiver(_connection);
        _time = new TimeCorrectionEstimator(config, _connection.ServiceEndpoint, config.Log ?? (_ => { }));
        _connection.OutletChanged += _time.Reset;
        _post = new TimePostProcessor(processing, () => _time.Current, info.NominalSrate, config.SmoothingHalftime);
        _pullRaw = new byte[Math.Max(1, info.ChannelFormat.ValueSize() * info.ChannelCount)];
        _pullStrings = new string[info.ChannelCount];
        if ((processing & ProcessingOptions.ClockSync) != 0) _time.Start();
        _receiver.Start();
    }

    /// <summary>Raised on the inlet's background thread after it resumed following an outage (a gap in the data).</summary>
    public event Action<InletRecovery>? Recovered
    {
        add => _connection.Recovered += value;
        remove => _connection.Recovered -= value;
    }

    /// <summary>Raised on the inlet's background thread when the connection to the outlet breaks (once per outage).</summary>
    public event Action<InletOutage>? Interrupted
    {
        add => _connection.Lost += value;
        remove => _connection.Lost -= value;
    }

    /// <summary>How many times the inlet recovered from a lost connection.</summary>
    public int RecoveryCount => _connection.RecoveryCount;

    /// <summary>How many outages began (connections that broke after having delivered their test patterns).</summary>
    public int OutageCount => _connection.OutageCount;

    /// <summary>Samples dropped because the buffer was full (the consumer pulled too slowly).</summary>
    public long DroppedSamples => _queue.Dropped;

    /// <summary>Samples waiting in the buffer.</summary>
    public int SamplesAvailable => (int)_queue.Available;

    /// <summary>True when the stream is lost for good (no source id, or recovery disabled, after a loss).</summary>
    public bool IsLost => _connection.IsLost;

    /// <summary>True when the time correction was invalidated by a recovery since the last call (then cleared).</summary>
    public bool WasClockReset()
    {
        var r = _time.ClockWasReset;
        _time.ClockWasReset = false;
        return r;
    }

    /// <summary>The stream info this inlet connects to (shape and endpoints; no <c>desc</c> unless from a full info).</summary>
    public StreamInfo ConnectedInfo => _connection.Snapshot();

    /// <summary>Waits until the feed is connected (handshake and test patterns passed).</summary>
    /// <exception cref="TimeoutException">Not connected within the timeout.</exception>
    /// <exception cref="LslException">The stream is lost.</exception>
    public void OpenStream(double timeout = LSL.Forever)
    {
        var end = LslClock.LocalClock() + timeout;
        while (!_receiver.WaitConnected(TimeSpan.FromMilliseconds(50)))
        {
            ThrowIfLost();
            if (LslClock.LocalClock() >= end) throw new TimeoutException($"Stream '{_name}' did not connect within {timeout} s.");
        }
    }

    /// <summary>The outlet's full stream info (with <c>desc</c>), fetched once over TCP (<c>LSL:fullinfo</c>).</summary>
    /// <exception cref="TimeoutException">No answer within the timeout.</exception>
    public StreamInfo Info(double timeout = LSL.Forever) => _infoReceiver.Info(timeout);

    /// <summary>
    /// The value to add to this stream's timestamps to map them into the local clock. The first call starts the
    /// background estimation (8 probes, the smallest round trip wins, refreshed every 2 s) and waits for a first estimate.
    /// </summary>
    /// <exception cref="TimeoutException">No estimate within the timeout.</exception>
    public double TimeCorrection(double timeout = LSL.Forever) => TimeCorrection(out _, out _, timeout);

    /// <summary>The time correction, with the remote time and the uncertainty (round-trip time) of the winning probe.</summary>
    /// <exception cref="TimeoutException">No estimate within the timeout.</exception>
    public double TimeCorrection(out double remoteTime, out double uncertainty, double timeout = LSL.Forever)
    {
        _time.Start();
        if (_time.TryGet(out var c, out remoteTime, out uncertainty)) return c;
        if (!_time.WaitForEstimate(timeout) || !_time.TryGet(out c, out remoteTime, out uncertainty))
            throw new TimeoutException($"No time correction for stream '{_name}' within {timeout} s; is its outlet reachable over UDP?");
        return c;
    }

    // ------------------------------------------------------------------ pulls

    /// <summary>
    /// Copies the next sample into <paramref name="sample"/> (exactly one value per channel), waiting up to
    /// <paramref name="timeout"/> seconds. Returns its timestamp, or 0.0 when none arrived in time. Allocation-free.
    /// </summary>
    /// <exception cref="LslException">The stream is lost and cannot recover.</exception>
    public double PullSample(Span<float> sample, double timeout = LSL.Forever) => PullOne(sample, timeout, ValueConvert.Load);
    /// <inheritdoc cref="PullSample(Span{float}, double)"/>
    public double PullSample(Span<double> sample, double timeout = LSL.Forever) => PullOne(sample, timeout, ValueConvert.Load);
    /// <inheritdoc cref="PullSample(Span{float}, double)"/>
    public double PullSample(Span<int> sample, double timeout = LSL.Forever) => PullOne(sample, timeout, ValueConvert.Load);
    /// <inheritdoc cref="PullSample(Span{float}, double)"/>
    public double PullSample(Span<short> sample, double timeout = LSL.Forever) => PullOne(sample, timeout, ValueConvert.Load);
    /// <inheritdoc cref="PullSample(Span{float}, double)"/>
    public double PullSample(Span<sbyte> sample, double timeout = LSL.Forever) => PullOne(sample, timeout, ValueConvert.Load);
    /// <inheritdoc cref="PullSample(Span{float}, double)"/>
    public double PullSample(Span<long> sample, double timeout = LSL.Forever) => PullOne(sample, timeout, ValueConvert.Load);

    /// <summary>Copies the next sample of a string stream; returns its timestamp or 0.0 on timeout.</summary>
    /// <exception cref="LslException">The stream is lost and cannot recover.</exception>
    public double PullSample(Span<string> sample, double timeout = LSL.Forever)
    {
        RequireShape(sample.Length, strings: true, chunk: false);
        if (!WaitAndRead(timeout, out var ts, out var flags)) return 0.0;
        _pullStrings.CopyTo(sample);
        return _post.Process(ts, flags != 0);
    }

    /// <summary>
    /// Copies as many buffered samples as fit (frame-major into <paramref name="data"/>, one timestamp each into
    /// <paramref name="timestamps"/>); waits up to <paramref name="timeout"/> seconds for the first one. Returns the
    /// number of samples copied. Allocation-free.
    /// </summary>
    /// <exception cref="LslException">The stream is lost and cannot recover.</exception>
    public int PullChunk(Span<float> data, Span<double> timestamps, double timeout = 0.0) => PullMany(data, timestamps, timeout, ValueConvert.Load);
    /// <inheritdoc cref="PullChunk(Span{float}, Span{double}, double)"/>
    public int PullChunk(Span<double> data, Span<double> timestamps, double timeout = 0.0) => PullMany(data, timestamps, timeout, ValueConvert.Load);
    /// <inheritdoc cref="PullChunk(Span{float}, Span{double}, double)"/>
    public int PullChunk(Span<int> data, Span<double> timestamps, double timeout = 0.0) => PullMany(data, timestamps, timeout, ValueConvert.Load);
    /// <inheritdoc cref="PullChunk(Span{float}, Span{double}, double)"/>
    public int PullChunk(Span<short> data, Span<double> timestamps, double timeout = 0.0) => PullMany(data, timestamps, timeout, ValueConvert.Load);
    /// <inheritdoc cref="PullChunk(Span{float}, Span{double}, double)"/>
    public int PullChunk(Span<sbyte> data, Span<double> timestamps, double timeout = 0.0) => PullMany(data, timestamps, timeout, ValueConvert.Load);
    /// <inheritdoc cref="PullChunk(Span{float}, Span{double}, double)"/>
    public int PullChunk(Span<long> data, Span<double> timestamps, double timeout = 0.0) => PullMany(data, timestamps, timeout, ValueConvert.Load);

    /// <summary>Copies as many buffered string samples as fit; see the numeric overloads.</summary>
    public int PullChunk(Span<string> data, Span<double> timestamps, double timeout = 0.0)
    {
        RequireShape(data.Length, strings: true, chunk: true);
        var c = _channels;
        var max = Math.Min(data.Length / c, timestamps.Length);
        var n = 0;
        while (n < max && (n == 0 ? WaitAndRead(timeout, out var ts, out var flags) : TryReadNext(out ts, out flags)))
        {
            _pullStrings.CopyTo(data.Slice(n * c, c));
            timestamps[n++] = _post.Process(ts, flags != 0);
        }
        return n;
    }

    private double PullOne<T>(Span<T> sample, double timeout, Load<T> load)
    {
        RequireShape(sample.Length, strings: false, chunk: false);
        if (!WaitAndRead(timeout, out var ts, out var flags)) return 0.0;
        load(_pullRaw, _format, sample);
        return _post.Process(ts, flags != 0);
    }

    private int PullMany<T>(Span<T> data, Span<double> timestamps, double timeout, Load<T> load)
    {
        RequireShape(data.Length, strings: false, chunk: true);
        var c = _channels;
        var max = Math.Min(data.Length / c, timestamps.Length);
        var n = 0;
        while (n < max && (n == 0 ? WaitAndRead(timeout, out var ts, out var flags) : TryReadNext(out ts, out flags)))
        {
            load(_pullRaw, _format, data.Slice(n * c, c));
            timestamps[n++] = _post.Process(ts, flags != 0);
        }
        return n;
    }

    private bool TryReadNext(out double timestamp, out byte flags) => _queue.TryRead(_pullRaw, _pullStrings, out timestamp, out flags);

    private bool WaitAndRead(double timeout, out double timestamp, out byte flags)
    {
        if (TryReadNext(out timestamp, out flags)) return true;
        if (timeout <= 0) { ThrowIfLost(); return false; }
        var end = LslClock.LocalClock() + timeout;
        while (true)
        {
            ThrowIfLost();
            var left = end - LslClock.LocalClock();
            if (left <= 0) return false;
            _queue.WaitForData(TimeSpan.FromSeconds(Math.Min(left, 0.25)));
            if (TryReadNext(out timestamp, out flags)) return true;
        }
    }

    private void ThrowIfLost()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_connection.IsLost && _queue.Available == 0)
            throw new LslException($"Stream '{_name}' was lost ({_connection.LostReason}); give it a source_id and keep recovery on to have inlets reconnect.");
    }

    private void RequireShape(int length, bool strings, bool chunk)
    {
        if (strings != (_format == ChannelFormat.String))
            throw new ArgumentException(strings
                ? $"Stream '{_name}' carries {_format.ToXmlName()} values; pull into a numeric buffer."
                : $"Stream '{_name}' carries strings; pull into a string buffer.");
        var c = _channels;
        if (chunk ? length < c : length != c)
            throw new ArgumentException($"Stream '{_name}' has {c} channels; a buffer of {length} values does not fit {(chunk ? "one sample" : "a sample")}.");
    }

    /// <summary>Closes the connection and stops the background threads.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _receiver.Dispose();
        _time.Dispose();
    }
}
