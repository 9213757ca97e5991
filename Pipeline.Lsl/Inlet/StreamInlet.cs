using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Lsl;

/// <summary>
/// Receives one stream (liblsl's <c>stream_inlet</c>): connects to the outlet's data port, negotiates protocol 1.10
/// (or 1.00), verifies the test patterns, and decodes samples into a bounded buffer on a background thread. When the
/// outlet disappears, the inlet re-resolves it by its identifying fields and reconnects (if it has a source id),
/// reporting the gap through <see cref="Recovered"/>. Pull from one thread at a time.
/// </summary>
public sealed class StreamInlet : IDisposable
{
    private delegate void Load<T>(ReadOnlySpan<byte> raw, ChannelFormat format, Span<T> values);

    private readonly LslConfig _config;
    private readonly Action<string> _log;
    private readonly StreamInfo _info;
    private readonly object _infoGate = new();
    private readonly SampleRing _ring;
    private readonly int _maxBuflen;
    private readonly int _maxChunklen;
    private readonly bool _recover;
    private readonly ProcessingOptions _processing;
    private readonly TimeCorrectionEstimator _time;
    private readonly CancellationTokenSource _cts = new();
    private readonly ManualResetEventSlim _connected = new(false);
    private readonly Thread _thread;
    private readonly byte[] _pullRaw;
    private readonly string[] _pullStrings;
    private readonly double _period;
    private readonly double _lambda;
    private Socket? _socket;
    private StreamInfo? _fullInfo;
    private volatile bool _lost;
    private volatile string? _lostReason;
    private double _lastReceivedTimestamp = double.NaN;
    private int _recoveries;
    private int _disposed;
    // post-processing state (consumer thread only)
    private double _lastOutput = double.NegativeInfinity;
    private long _dejitterIndex;
    private double _dejitterBase = double.NaN;
    private double _s0, _s1, _s2, _st, _snt;

    /// <summary>
    /// Creates an inlet for a resolved stream and starts connecting in the background.
    /// </summary>
    /// <param name="info">A stream info from a resolve (address and ports known), or a hand-made one with a source id.</param>
    /// <param name="maxBuflen">Seconds of data buffered (x 100 samples for irregular streams); older samples are dropped.</param>
    /// <param name="maxChunklen">Samples per network chunk asked of the outlet (0: the outlet decides).</param>
    /// <param name="recover">Re-resolve and reconnect when the outlet disappears (needs a non-empty source id).</param>
    /// <param name="processing">Optional timestamp post-processing.</param>
    /// <param name="config">Network configuration (default: <see cref="LslConfig.Default"/>).</param>
    public StreamInlet(StreamInfo info, int maxBuflen = 360, int maxChunklen = 0, bool recover = true,
        ProcessingOptions processing = ProcessingOptions.None, LslConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.ChannelFormat == ChannelFormat.Undefined)
            throw new ArgumentException($"Stream '{info.Name}' has an undefined channel format; it cannot be received.", nameof(info));
        if (info.ChannelCount < 1)
            throw new ArgumentException($"Stream '{info.Name}' has no channels; it cannot be received.", nameof(info));
        _config = config ?? LslConfig.Default;
        _log = _config.Log ?? (_ => { });
        _info = info.Clone();
        _maxBuflen = (int)Math.Clamp(Math.Max(1, maxBuflen) * (info.NominalSrate > 0 ? info.NominalSrate : 100), 1, int.MaxValue / 2);
        _maxChunklen = Math.Max(0, maxChunklen);
        _recover = recover;
        _processing = processing;
        var sampleBytes = info.ChannelFormat.ValueSize() * info.ChannelCount;
        _ring = new SampleRing(_maxBuflen, sampleBytes, info.ChannelCount, info.ChannelFormat == ChannelFormat.String);
        _pullRaw = new byte[Math.Max(1, sampleBytes)];
        _pullStrings = new string[info.ChannelCount];
        _period = info.NominalSrate > 0 ? 1.0 / info.NominalSrate : 0;
        _lambda = info.NominalSrate > 0 ? Math.Pow(2, -1.0 / (info.NominalSrate * Math.Max(1e-3, _config.SmoothingHalftime))) : 0;
        _time = new TimeCorrectionEstimator(_config, ServiceEndpoint, _log);
        if ((processing & ProcessingOptions.ClockSync) != 0) _time.Start();
        _thread = new Thread(Run) { IsBackground = true, Name = "LSL inlet " + info.Name };
        _thread.Start();
    }

    /// <summary>Raised on the inlet's background thread after it resumed following an outage (a gap in the data).</summary>
    public event Action<InletRecovery>? Recovered;

    /// <summary>How many times the inlet recovered from a lost connection.</summary>
    public int RecoveryCount => Volatile.Read(ref _recoveries);

    /// <summary>Samples dropped because the buffer was full (the consumer pulled too slowly).</summary>
    public long DroppedSamples => _ring.Dropped;

    /// <summary>Samples waiting in the buffer.</summary>
    public int SamplesAvailable => (int)_ring.Available;

    /// <summary>True when the stream is lost for good (no source id, or recovery disabled, after a loss).</summary>
    public bool IsLost => _lost;

    /// <summary>True when the time correction was invalidated by a recovery since the last call (then cleared).</summary>
    public bool WasClockReset()
    {
        var r = _time.ClockWasReset;
        _time.ClockWasReset = false;
        return r;
    }

    /// <summary>The stream info this inlet connects to (shape and endpoints; no <c>desc</c> unless from a full info).</summary>
    public StreamInfo ConnectedInfo { get { lock (_infoGate) return _info.Clone(); } }

    /// <summary>Waits until the feed is connected (handshake and test patterns passed).</summary>
    /// <exception cref="TimeoutException">Not connected within the timeout.</exception>
    /// <exception cref="LslException">The stream is lost.</exception>
    public void OpenStream(double timeout = LSL.Forever)
    {
        var end = LslClock.LocalClock() + timeout;
        while (!_connected.Wait(TimeSpan.FromMilliseconds(50)))
        {
            ThrowIfLost();
            if (LslClock.LocalClock() >= end) throw new TimeoutException($"Stream '{_info.Name}' did not connect within {timeout} s.");
        }
    }

    /// <summary>The outlet's full stream info (with <c>desc</c>), fetched once over TCP (<c>LSL:fullinfo</c>).</summary>
    /// <exception cref="TimeoutException">No answer within the timeout.</exception>
    public StreamInfo Info(double timeout = LSL.Forever)
    {
        if (_fullInfo is { } cached) return cached.Clone();
        var end = LslClock.LocalClock() + timeout;
        while (true)
        {
            try
            {
                var (address, port, _) = DataEndpoint();
                using var socket = Connect(address, port, Math.Max(0.1, Math.Min(5, end - LslClock.LocalClock())));
                socket.ReceiveTimeout = (int)Math.Clamp((end - LslClock.LocalClock()) * 1000, 100, int.MaxValue);
                socket.Send("LSL:fullinfo\r\n"u8);
                using var ms = new MemoryStream();
                var buffer = new byte[8192];
                int n;
                while ((n = socket.Receive(buffer)) > 0)
                {
                    ms.Write(buffer, 0, n);
                    if (ms.Length > 64L * 1024 * 1024) throw new InvalidDataException("the full info exceeds 64 MiB");
                }
                var info = StreamInfo.FromXml(Encoding.UTF8.GetString(ms.ToArray()));
                if (info.CreatedAt == 0) throw new InvalidDataException("the full info has no created_at");
                _fullInfo = info;
                return info.Clone();
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidDataException or FormatException)
            {
                if (LslClock.LocalClock() >= end) throw new TimeoutException($"The full info of stream '{_info.Name}' could not be fetched within {timeout} s ({e.Message}).", e);
                Thread.Sleep(100);
            }
        }
    }

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
            throw new TimeoutException($"No time correction for stream '{_info.Name}' within {timeout} s; is its outlet reachable over UDP?");
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
        if (!WaitAndRead(timeout, out var ts)) return 0.0;
        _pullStrings.CopyTo(sample);
        return PostProcess(ts);
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
        var c = _info.ChannelCount;
        var max = Math.Min(data.Length / c, timestamps.Length);
        var n = 0;
        while (n < max && (n == 0 ? WaitAndRead(timeout, out var ts) : TryReadNext(out ts)))
        {
            _pullStrings.CopyTo(data.Slice(n * c, c));
            timestamps[n++] = PostProcess(ts);
        }
        return n;
    }

    private double PullOne<T>(Span<T> sample, double timeout, Load<T> load)
    {
        RequireShape(sample.Length, strings: false, chunk: false);
        if (!WaitAndRead(timeout, out var ts)) return 0.0;
        load(_pullRaw, _info.ChannelFormat, sample);
        return PostProcess(ts);
    }

    private int PullMany<T>(Span<T> data, Span<double> timestamps, double timeout, Load<T> load)
    {
        RequireShape(data.Length, strings: false, chunk: true);
        var c = _info.ChannelCount;
        var max = Math.Min(data.Length / c, timestamps.Length);
        var n = 0;
        while (n < max && (n == 0 ? WaitAndRead(timeout, out var ts) : TryReadNext(out ts)))
        {
            load(_pullRaw, _info.ChannelFormat, data.Slice(n * c, c));
            timestamps[n++] = PostProcess(ts);
        }
        return n;
    }

    private bool TryReadNext(out double timestamp) => _ring.TryRead(_pullRaw, _pullStrings, out timestamp, out _);

    private bool WaitAndRead(double timeout, out double timestamp)
    {
        if (TryReadNext(out timestamp)) return true;
        if (timeout <= 0) { ThrowIfLost(); return false; }
        var end = LslClock.LocalClock() + timeout;
        while (true)
        {
            ThrowIfLost();
            var left = end - LslClock.LocalClock();
            if (left <= 0) return false;
            _ring.WaitForData(TimeSpan.FromSeconds(Math.Min(left, 0.25)));
            if (TryReadNext(out timestamp)) return true;
        }
    }

    private void ThrowIfLost()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_lost && _ring.Available == 0)
            throw new LslException($"Stream '{_info.Name}' was lost ({_lostReason}); give it a source_id and keep recovery on to have inlets reconnect.");
    }

    private void RequireShape(int length, bool strings, bool chunk)
    {
        if (strings != (_info.ChannelFormat == ChannelFormat.String))
            throw new ArgumentException(strings
                ? $"Stream '{_info.Name}' carries {_info.ChannelFormat.ToXmlName()} values; pull into a numeric buffer."
                : $"Stream '{_info.Name}' carries strings; pull into a string buffer.");
        var c = _info.ChannelCount;
        if (chunk ? length < c : length != c)
            throw new ArgumentException($"Stream '{_info.Name}' has {c} channels; a buffer of {length} values does not fit {(chunk ? "one sample" : "a sample")}.");
    }

    private double PostProcess(double ts)
    {
        if (_processing == ProcessingOptions.None) return ts;
        if ((_processing & ProcessingOptions.ClockSync) != 0 && _time.TryGet(out var c, out _, out _)) ts += c;
        if ((_processing & ProcessingOptions.Dejitter) != 0 && _period > 0)
        {
            // Exponentially forgetting least squares of t over the sample index: removes network jitter, keeps drift.
            if (double.IsNaN(_dejitterBase)) _dejitterBase = ts;
            var n = (double)_dejitterIndex++;
            var t = ts - _dejitterBase;
            _s0 = _lambda * _s0 + 1; _s1 = _lambda * _s1 + n; _s2 = _lambda * _s2 + n * n; _st = _lambda * _st + t; _snt = _lambda * _snt + n * t;
            var det = _s0 * _s2 - _s1 * _s1;
            if (det > 1e-9)
            {
                var slope = (_s0 * _snt - _s1 * _st) / det;
                var intercept = (_st - slope * _s1) / _s0;
                ts = _dejitterBase + intercept + slope * n;
            }
        }
        if ((_processing & ProcessingOptions.Monotonize) != 0)
        {
            if (ts < _lastOutput) ts = _lastOutput;
            _lastOutput = ts;
        }
        return ts;
    }

    // ------------------------------------------------------------------ connection

    private (IPAddress Address, int Port, string Uid) DataEndpoint()
    {
        lock (_infoGate)
        {
            if (!IPAddress.TryParse(_info.V4Address, out var a)) a = IPAddress.Loopback;
            // liblsl's placeholder for unresolved infos: port 49999 on loopback fails and leads into recovery.
            return (a, _info.V4DataPort > 0 ? _info.V4DataPort : 49999, _info.Uid);
        }
    }

    private IPEndPoint? ServiceEndpoint()
    {
        lock (_infoGate)
        {
            if (!IPAddress.TryParse(_info.V4Address, out var a) || _info.V4ServicePort <= 0) return null;
            return new IPEndPoint(a, _info.V4ServicePort);
        }
    }

    private static Socket Connect(IPAddress address, int port, double timeoutSeconds)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // A blocking connect bounded by SO_SNDTIMEO (Linux honours it for connect): an async connect would leave the
                // socket in .NET's emulated-blocking mode, where every blocking read of the feed hops through epoll and the
                // thread pool (`pipeline lsl bench`, 64 ch x 10 kHz in 1 ms chunks: 63 % of a core, 28 % with this).
                socket.SendTimeout = (int)Math.Clamp(timeoutSeconds * 1000, 1, int.MaxValue);
                socket.Connect(new IPEndPoint(address, port));
                socket.SendTimeout = 0;
                return socket;
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
            socket.ConnectAsync(new IPEndPoint(address, port), cts.Token).AsTask().GetAwaiter().GetResult();
            return socket;
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Run()
    {
        var everConnected = false;
        var lostAt = 0.0;
        var lostUid = "";
        while (!_cts.IsCancellationRequested)
        {
            var (address, port, uid) = DataEndpoint();
            string reason;
            var connectedNow = false;
            try
            {
                Stream(address, port, uid, () =>
                {
                    connectedNow = true;
                    if (everConnected)
                    {
                        Interlocked.Increment(ref _recoveries);
                        var ev = new InletRecovery(lostUid, uid, _lastReceivedTimestamp, lostAt, LslClock.LocalClock());
                        _log($"LSL inlet '{_info.Name}': resumed after {ev.Outage:F3} s (uid {lostUid} -> {uid}); samples pushed meanwhile are missing.");
                        try { Recovered?.Invoke(ev); }
                        catch (Exception e) { _log($"LSL inlet '{_info.Name}': a Recovered handler threw ({e.GetType().Name}: {e.Message})."); }
                    }
                    everConnected = true;
                });
                reason = "the outlet closed the connection";
            }
            catch (StreamGoneException e) { reason = e.Message; }
            catch (Exception e) when (e is SocketException or IOException or EndOfStreamException or InvalidDataException or ObjectDisposedException)
            {
                reason = e is EndOfStreamException ? "the outlet closed the connection" : e.Message;
            }
            catch (Exception e)
            {
                reason = $"internal error {e.GetType().Name}: {e.Message}";
            }
            _connected.Reset();
            if (_cts.IsCancellationRequested) break;
            if (connectedNow || lostAt == 0) { lostAt = LslClock.LocalClock(); lostUid = uid; }
            _log($"LSL inlet '{_info.Name}': connection to {address}:{port} ended: {reason}.");
            if (!_recover || _info.SourceId.Length == 0)
            {
                _lostReason = reason;
                _lost = true;
                _ring.Wake();
                return;
            }
            if (!Recover()) break;
        }
    }

    /// <summary>Finds the stream again; false when the inlet is being disposed.</summary>
    private bool Recover()
    {
        var resolver = new StreamResolver(_config);
        string query;
        lock (_infoGate) query = StreamResolver.RecoveryQuery(_info);
        while (!_cts.IsCancellationRequested)
        {
            IReadOnlyList<StreamInfo> found;
            try { found = resolver.ResolveQuery(query, 1, Math.Max(0.5, _config.MulticastMinRtt * 2), _cts.Token); }
            catch (Exception e) when (e is SocketException or LslException)
            {
                _log($"LSL inlet '{_info.Name}': recovery resolve failed ({e.Message}).");
                found = [];
            }
            if (_cts.IsCancellationRequested) return false;
            string currentUid;
            lock (_infoGate) currentUid = _info.Uid;
            if (found.Any(f => f.Uid == currentUid))
            {
                _cts.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(0.25)); // same outlet still there: transient error; retry it
                return true;
            }
            var fresh = found.Where(f => f.Uid != currentUid).ToList();
            if (fresh.Count == 1)
            {
                var f = fresh[0];
                lock (_infoGate)
                {
                    _info.Uid = f.Uid;
                    _info.V4Address = f.V4Address;
                    _info.V4DataPort = f.V4DataPort;
                    _info.V4ServicePort = f.V4ServicePort;
                    _info.Version = f.Version;
                    _info.CreatedAt = f.CreatedAt;
                    _info.Hostname = f.Hostname;
                    _info.SessionId = f.SessionId;
                }
                _fullInfo = null;
                _time.Reset();
                return true;
            }
            if (fresh.Count > 1) _log($"LSL inlet '{_info.Name}': {fresh.Count} streams match '{query}'; waiting until exactly one does.");
        }
        return false;
    }

    private void Stream(IPAddress address, int port, string uid, Action onConnected)
    {
        using var socket = Connect(address, port, 5);
        _socket = socket;
        if (_cts.IsCancellationRequested) return;
        socket.NoDelay = true;
        // Watchdog (regular streams): silence longer than the threshold means a dead peer; reconnect.
        socket.ReceiveTimeout = _period > 0 ? (int)Math.Max(1000, _config.WatchdogTimeThreshold * 1000) : 0;
        using var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = new FeedReader(stream);
        var format = _info.ChannelFormat;
        var channels = _info.ChannelCount;
        var protocol = Math.Min(110, _config.UseProtocolVersion);
        SampleCodec codec;
        if (protocol >= 110)
        {
            stream.Write(Encoding.UTF8.GetBytes(FeedRequest(uid)));
            codec = ReadResponse(reader, uid, format, channels);
        }
        else
        {
            stream.Write(Encoding.ASCII.GetBytes($"LSL:streamfeed\r\n{_maxBuflen.ToString(CultureInfo.InvariantCulture)} {_maxChunklen.ToString(CultureInfo.InvariantCulture)}\r\n"));
            codec = new SampleCodec(format, channels, _info.NominalSrate, 100, false, false, _config.MaxStringLength);
            codec.DecodeArchiveHeader(reader);
        }
        codec.VerifyTestPatterns(reader);
        _connected.Set();
        onConnected();
        var isString = format == ChannelFormat.String;
        while (!_cts.IsCancellationRequested)
        {
            var ts = isString ? codec.Decode(reader, default, _ring.NextStrings()) : codec.Decode(reader, _ring.NextBytes(), default);
            _ring.Publish(ts, 0);
            _lastReceivedTimestamp = ts;
        }
    }

    internal string FeedRequest(string uid)
    {
        var f = _info.ChannelFormat;
        var isFloat = f is ChannelFormat.Float32 or ChannelFormat.Double64;
        var inv = CultureInfo.InvariantCulture;
        return $"LSL:streamfeed/110 {uid}\r\n" +
               $"Native-Byte-Order: {(BitConverter.IsLittleEndian ? 1234 : 4321)}\r\n" +
               $"Endian-Performance: {LslNumber.Short(OutletRequestHandler.EndianPerformance)}\r\n" +
               "Has-IEEE754-Floats: 1\r\n" +
               $"Supports-Subnormals: {(isFloat ? 1 : 0)}\r\n" +
               $"Value-Size: {(f == ChannelFormat.String ? 32 : f.ValueSize()).ToString(inv)}\r\n" +
               "Data-Protocol-Version: 110\r\n" +
               $"Max-Buffer-Length: {_maxBuflen.ToString(inv)}\r\n" +
               $"Max-Chunk-Length: {_maxChunklen.ToString(inv)}\r\n" +
               $"Hostname: {SafeHostName()}\r\n" +
               $"Source-Id: {_info.SourceId}\r\n" +
               $"Session-Id: {_config.SessionId}\r\n\r\n";
    }

    /// <summary>Parses the outlet's response header (protocol 1.10 request) and returns the codec it negotiated.</summary>
    internal SampleCodec ReadResponse(FeedReader reader, string uid, ChannelFormat format, int channels) =>
        ParseResponse(reader, uid, format, channels, _info.NominalSrate, _config.MaxStringLength);

    internal static SampleCodec ParseResponse(FeedReader reader, string uid, ChannelFormat format, int channels, double srate, long maxStringLength)
    {
        var status = reader.ReadLine(4096);
        var parts = status.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !parts[0].StartsWith("LSL/", StringComparison.Ordinal) || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var code))
            throw new InvalidDataException($"the outlet's status line '{OutletRequestHandler.Printable(status)}' is not an LSL response");
        if (int.TryParse(parts[0].AsSpan(4), NumberStyles.Integer, CultureInfo.InvariantCulture, out var serverVersion) && serverVersion / 100 > 1)
            throw new InvalidDataException($"the outlet speaks protocol {serverVersion}, newer than 1.10");
        if (code == 404 || (code >= 300 && code < 400)) throw new StreamGoneException($"the outlet answered '{status}' (uid {uid} is gone)");
        if (code >= 400) throw new InvalidDataException($"the outlet refused the feed: '{status}'");
        var byteOrder = 1234;
        var suppress = false;
        var protocol = 100;
        for (var n = 0; ; n++)
        {
            if (n > 64) throw new InvalidDataException("the outlet's response has more than 64 header lines");
            var line = reader.ReadLine(4096);
            if (line.Length == 0) break;
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            var semi = value.IndexOf(';');
            if (semi >= 0) value = value[..semi].Trim();
            switch (key)
            {
                case "byte-order":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out byteOrder)) throw new InvalidDataException($"the byte order '{value}' is not a number");
                    if (byteOrder == 0) byteOrder = 1234;
                    if (byteOrder is not (1234 or 4321)) throw new InvalidDataException($"the byte order {byteOrder} is unsupported");
                    break;
                case "suppress-subnormals": suppress = value == "1"; break;
                case "uid": if (value != uid && uid.Length > 0) throw new StreamGoneException($"the outlet now has uid {value}, not {uid}"); break;
                case "data-protocol-version":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out protocol) || protocol > 110 || protocol < 100)
                        throw new InvalidDataException($"the data protocol version '{value}' is unsupported");
                    break;
            }
        }
        var codec = new SampleCodec(format, channels, srate, protocol, byteOrder == 4321, suppress, maxStringLength);
        if (protocol < 110) codec.DecodeArchiveHeader(reader);
        return codec;
    }

    private static string SafeHostName()
    {
        try { return Dns.GetHostName(); } catch (SocketException) { return "localhost"; }
    }

    /// <summary>Closes the connection and stops the background threads.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _cts.Cancel();
        try { _socket?.Dispose(); } catch (ObjectDisposedException) { }
        _ring.Wake();
        _thread.Join(TimeSpan.FromSeconds(3));
        _time.Dispose();
    }

    /// <summary>The outlet said the requested stream instance no longer exists (404, changed uid): recover.</summary>
    private sealed class StreamGoneException(string message) : Exception(message);
}
