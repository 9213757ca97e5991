using System.Net;
using System.Net.Sockets;

namespace Pipeline.Lsl;

/// <summary>
/// Publishes one stream on the network, wire-compatible with liblsl 1.17.7 (liblsl's <c>stream_outlet</c>): a TCP
/// data server (protocols 1.10 and 1.00), a UDP service socket answering clock probes and unicast discovery, and a
/// discovery responder on the multicast port. Pushes never block: every client has its own bounded queue that drops
/// its oldest samples when that client falls behind.
/// </summary>
/// <remarks>Push from one thread at a time (the queues are single-producer).</remarks>
public sealed class StreamOutlet : IDisposable
{
    private delegate void Store<T>(ReadOnlySpan<T> values, ChannelFormat format, Span<byte> raw);

    private readonly LslConfig _config;
    private readonly Action<string> _log;
    private readonly Socket _listener;
    private readonly Socket _service;
    private readonly Socket? _responder;
    private readonly object _clientsLock = new();
    private readonly CancellationTokenSource _cts = new();
    private readonly byte[] _raw;
    private readonly string[] _strings;
    private readonly double _period;
    private readonly int _capacity;
    private readonly int _chunkSize;
    private volatile OutletClient[] _clients = [];
    private double _lastTimestamp;
    private int _disposed;

    /// <summary>
    /// Creates the outlet and starts serving. The given info is copied and completed (uid, created_at, hostname,
    /// session id, ports); read the result from <see cref="Info"/>.
    /// </summary>
    /// <param name="info">What to publish; name, channel count and format must be set.</param>
    /// <param name="chunkSize">Samples per network write when pushes do not ask to push through (0: the buffer size).</param>
    /// <param name="maxBuffered">Seconds of data queued per client at most (x 100 samples for irregular streams).</param>
    /// <param name="config">Network configuration (default: <see cref="LslConfig.Default"/>).</param>
    /// <param name="announcing">Called with the completed <see cref="Info"/> (uid and ports set) before the outlet answers
    /// any query: a program that must never read its own output registers the uid here, so that no resolve can see the
    /// outlet before the program knows it as its own. If it throws, the outlet is closed and the exception propagates.</param>
    /// <exception cref="ArgumentException">The info lacks a name, channels or a valid format.</exception>
    public StreamOutlet(StreamInfo info, int chunkSize = 0, int maxBuffered = 360, LslConfig? config = null, Action<StreamInfo>? announcing = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        _config = config ?? LslConfig.Default;
        _log = _config.Log ?? (_ => { });
        if (info.Name.Length == 0) throw new ArgumentException("The stream info has no name; give the outlet's stream a name.", nameof(info));
        if (info.ChannelCount < 1) throw new ArgumentException("The stream info has no channels; set ChannelCount to at least 1.", nameof(info));
        if (info.ChannelFormat == ChannelFormat.Undefined) throw new ArgumentException("The stream info's channel format is undefined; choose one of the 7 LSL formats.", nameof(info));
        Info = info.Clone();
        Info.Uid = Guid.NewGuid().ToString("D");
        Info.CreatedAt = LslClock.LocalClock();
        Info.SessionId = _config.SessionId;
        Info.Hostname = SafeHostName();
        Info.Version = Math.Min(110, _config.UseProtocolVersion) / 100.0;
        Info.V4Address = "";
        Info.V6Address = "";
        Info.V6DataPort = 0;
        Info.V6ServicePort = 0;

        _period = info.NominalSrate > 0 ? 1.0 / info.NominalSrate : 0;
        _capacity = (int)Math.Clamp(Math.Max(1, maxBuffered) * (info.NominalSrate > 0 ? info.NominalSrate : 100), 1, int.MaxValue / 2);
        _chunkSize = Math.Max(0, chunkSize);
        _raw = new byte[Math.Max(1, Info.ChannelFormat.ValueSize() * Info.ChannelCount)];
        _strings = new string[Info.ChannelCount];
        Array.Fill(_strings, "");

        _listener = PortBinder.BindTcpListener(_config);
        _service = PortBinder.BindUdp(_config, "UDP service");
        Info.V4DataPort = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        Info.V4ServicePort = ((IPEndPoint)_service.LocalEndPoint!).Port;
        _responder = CreateResponder();
        if (announcing is not null)
        {
            try { announcing(Info); }
            catch
            {
                _responder?.Dispose();
                _service.Dispose();
                _listener.Dispose();
                throw;
            }
        }

        _ = AcceptLoop();
        StartDatagramThread(_service, answerTimeData: true, "LSL outlet service");
        if (_responder is not null) StartDatagramThread(_responder, answerTimeData: false, "LSL outlet responder");
    }

    /// <summary>The published stream info (with uid, ports, created_at, hostname and session id filled in).</summary>
    public StreamInfo Info { get; }

    /// <summary>True while at least one feed client is connected.</summary>
    public bool HaveConsumers => _clients.Length > 0;

    /// <summary>Number of connected feed clients.</summary>
    public int ConsumerCount => _clients.Length;

    internal IReadOnlyList<OutletClient> Clients => _clients;

    /// <summary>
    /// Seconds added to this outlet's clock in its answers to time probes: lets one host's tests play an outlet on a
    /// machine whose clock differs (the offset an inlet's time correction must find).
    /// </summary>
    internal double ClockShift { get; set; }

    /// <summary>Waits until a client is connected (its feed registered); true when one is, false on timeout.</summary>
    public bool WaitForConsumers(double timeoutSeconds)
    {
        var end = LslClock.LocalClock() + timeoutSeconds;
        while (!HaveConsumers)
        {
            if (LslClock.LocalClock() >= end || _disposed != 0) return false;
            Thread.Sleep(5);
        }
        return true;
    }

    // ------------------------------------------------------------------ push

    /// <summary>Pushes one sample. <paramref name="timestamp"/>: 0 = now, <see cref="LSL.DeducedTimestamp"/> = previous + 1/rate.</summary>
    public void PushSample(ReadOnlySpan<float> sample, double timestamp = 0.0, bool pushthrough = true) => PushOne(sample, timestamp, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushSample(ReadOnlySpan{float}, double, bool)"/>
    public void PushSample(ReadOnlySpan<double> sample, double timestamp = 0.0, bool pushthrough = true) => PushOne(sample, timestamp, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushSample(ReadOnlySpan{float}, double, bool)"/>
    public void PushSample(ReadOnlySpan<int> sample, double timestamp = 0.0, bool pushthrough = true) => PushOne(sample, timestamp, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushSample(ReadOnlySpan{float}, double, bool)"/>
    public void PushSample(ReadOnlySpan<short> sample, double timestamp = 0.0, bool pushthrough = true) => PushOne(sample, timestamp, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushSample(ReadOnlySpan{float}, double, bool)"/>
    public void PushSample(ReadOnlySpan<sbyte> sample, double timestamp = 0.0, bool pushthrough = true) => PushOne(sample, timestamp, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushSample(ReadOnlySpan{float}, double, bool)"/>
    public void PushSample(ReadOnlySpan<long> sample, double timestamp = 0.0, bool pushthrough = true) => PushOne(sample, timestamp, pushthrough, ValueConvert.Store);

    /// <summary>Pushes one sample of a string stream.</summary>
    public void PushSample(ReadOnlySpan<string> sample, double timestamp = 0.0, bool pushthrough = true)
    {
        RequireString(sample.Length, 1);
        sample.CopyTo(_strings);
        Enqueue(timestamp, pushthrough);
    }

    /// <summary>
    /// Pushes frame-major samples (all channels of sample 0, then sample 1 ...). <paramref name="timestamp"/> is the time of
    /// the last sample (0 = now); earlier samples are spaced by 1/rate and sent as deduced. Pushed through at the end.
    /// </summary>
    public void PushChunk(ReadOnlySpan<float> data, double timestamp = 0.0, bool pushthrough = true) => PushMany(data, timestamp, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushChunk(ReadOnlySpan{float}, double, bool)"/>
    public void PushChunk(ReadOnlySpan<double> data, double timestamp = 0.0, bool pushthrough = true) => PushMany(data, timestamp, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushChunk(ReadOnlySpan{float}, double, bool)"/>
    public void PushChunk(ReadOnlySpan<int> data, double timestamp = 0.0, bool pushthrough = true) => PushMany(data, timestamp, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushChunk(ReadOnlySpan{float}, double, bool)"/>
    public void PushChunk(ReadOnlySpan<short> data, double timestamp = 0.0, bool pushthrough = true) => PushMany(data, timestamp, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushChunk(ReadOnlySpan{float}, double, bool)"/>
    public void PushChunk(ReadOnlySpan<sbyte> data, double timestamp = 0.0, bool pushthrough = true) => PushMany(data, timestamp, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushChunk(ReadOnlySpan{float}, double, bool)"/>
    public void PushChunk(ReadOnlySpan<long> data, double timestamp = 0.0, bool pushthrough = true) => PushMany(data, timestamp, pushthrough, ValueConvert.Store);

    /// <summary>Pushes frame-major samples with one timestamp per sample (a timestamp may be <see cref="LSL.DeducedTimestamp"/>).</summary>
    public void PushChunk(ReadOnlySpan<float> data, ReadOnlySpan<double> timestamps, bool pushthrough = true) => PushMany(data, timestamps, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushChunk(ReadOnlySpan{float}, ReadOnlySpan{double}, bool)"/>
    public void PushChunk(ReadOnlySpan<double> data, ReadOnlySpan<double> timestamps, bool pushthrough = true) => PushMany(data, timestamps, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushChunk(ReadOnlySpan{float}, ReadOnlySpan{double}, bool)"/>
    public void PushChunk(ReadOnlySpan<int> data, ReadOnlySpan<double> timestamps, bool pushthrough = true) => PushMany(data, timestamps, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushChunk(ReadOnlySpan{float}, ReadOnlySpan{double}, bool)"/>
    public void PushChunk(ReadOnlySpan<short> data, ReadOnlySpan<double> timestamps, bool pushthrough = true) => PushMany(data, timestamps, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushChunk(ReadOnlySpan{float}, ReadOnlySpan{double}, bool)"/>
    public void PushChunk(ReadOnlySpan<sbyte> data, ReadOnlySpan<double> timestamps, bool pushthrough = true) => PushMany(data, timestamps, pushthrough, ValueConvert.Store);
    /// <inheritdoc cref="PushChunk(ReadOnlySpan{float}, ReadOnlySpan{double}, bool)"/>
    public void PushChunk(ReadOnlySpan<long> data, ReadOnlySpan<double> timestamps, bool pushthrough = true) => PushMany(data, timestamps, pushthrough, ValueConvert.Store);

    /// <summary>Pushes frame-major string samples with one timestamp for the last sample (see the numeric overloads).</summary>
    public void PushChunk(ReadOnlySpan<string> data, double timestamp = 0.0, bool pushthrough = true)
    {
        var n = RequireString(data.Length, 0);
        var first = FirstOfChunk(timestamp, n);
        for (var i = 0; i < n; i++)
        {
            data.Slice(i * Info.ChannelCount, Info.ChannelCount).CopyTo(_strings);
            Enqueue(i == 0 ? first : LSL.DeducedTimestamp, pushthrough && i == n - 1);
        }
    }

    /// <summary>Pushes frame-major string samples with one timestamp per sample.</summary>
    public void PushChunk(ReadOnlySpan<string> data, ReadOnlySpan<double> timestamps, bool pushthrough = true)
    {
        var n = RequireString(data.Length, 0);
        RequireTimestamps(n, timestamps.Length);
        for (var i = 0; i < n; i++)
        {
            data.Slice(i * Info.ChannelCount, Info.ChannelCount).CopyTo(_strings);
            Enqueue(timestamps[i], pushthrough && i == n - 1);
        }
    }

    private void PushOne<T>(ReadOnlySpan<T> sample, double timestamp, bool pushthrough, Store<T> store)
    {
        RequireNumeric(sample.Length, 1);
        store(sample, Info.ChannelFormat, _raw);
        Enqueue(timestamp, pushthrough);
    }

    private void PushMany<T>(ReadOnlySpan<T> data, double timestamp, bool pushthrough, Store<T> store)
    {
        var n = RequireNumeric(data.Length, 0);
        var first = FirstOfChunk(timestamp, n);
        var c = Info.ChannelCount;
        for (var i = 0; i < n; i++)
        {
            store(data.Slice(i * c, c), Info.ChannelFormat, _raw);
            Enqueue(i == 0 ? first : LSL.DeducedTimestamp, pushthrough && i == n - 1);
        }
    }

    private void PushMany<T>(ReadOnlySpan<T> data, ReadOnlySpan<double> timestamps, bool pushthrough, Store<T> store)
    {
        var n = RequireNumeric(data.Length, 0);
        RequireTimestamps(n, timestamps.Length);
        var c = Info.ChannelCount;
        for (var i = 0; i < n; i++)
        {
            store(data.Slice(i * c, c), Info.ChannelFormat, _raw);
            Enqueue(timestamps[i], pushthrough && i == n - 1);
        }
    }

    private double FirstOfChunk(double timestamp, int n)
    {
        if (timestamp == 0.0) timestamp = LslClock.LocalClock();
        return timestamp == LSL.DeducedTimestamp ? timestamp : timestamp - (n - 1) * _period;
    }

    private void Enqueue(double timestamp, bool pushthrough)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var deduced = timestamp == LSL.DeducedTimestamp;
        var ts = deduced ? _lastTimestamp + _period : timestamp == 0.0 ? LslClock.LocalClock() : timestamp;
        _lastTimestamp = ts;
        var flags = (byte)((deduced ? OutletClient.FlagDeduced : 0) | (pushthrough ? OutletClient.FlagPushthrough : 0));
        foreach (var client in _clients) client.Enqueue(_raw, _strings, ts, flags);
    }

    private int RequireNumeric(int length, int exactSamples)
    {
        if (Info.ChannelFormat == ChannelFormat.String)
            throw new ArgumentException($"Stream '{Info.Name}' carries strings; push string values.");
        return CheckShape(length, exactSamples);
    }

    private int RequireString(int length, int exactSamples)
    {
        if (Info.ChannelFormat != ChannelFormat.String)
            throw new ArgumentException($"Stream '{Info.Name}' carries {Info.ChannelFormat.ToXmlName()} values; push numbers, not strings.");
        return CheckShape(length, exactSamples);
    }

    private int CheckShape(int length, int exactSamples)
    {
        var c = Info.ChannelCount;
        if (exactSamples == 1 ? length != c : length % c != 0)
            throw new ArgumentException(exactSamples == 1
                ? $"A sample of stream '{Info.Name}' has {c} values, not {length}; pass exactly {c}."
                : $"A chunk of stream '{Info.Name}' must hold a whole number of {c}-value samples, not {length} values.");
        return length / c;
    }

    private static void RequireTimestamps(int samples, int timestamps)
    {
        if (samples != timestamps) throw new ArgumentException($"{timestamps} timestamps were given for {samples} samples; pass one per sample.");
    }

    // ------------------------------------------------------------------ serving

    private async Task AcceptLoop()
    {
        while (!_cts.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptAsync(_cts.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                if (_cts.IsCancellationRequested) return;
                _log($"LSL outlet '{Info.Name}': accept failed ({e.Message}).");
                continue;
            }
            _ = Task.Run(() => Serve(socket));
        }
    }

    private void Serve(Socket socket)
    {
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        OutletClient? client = null;
        try
        {
            socket.NoDelay = true;
            socket.ReceiveTimeout = 10_000; // a client that never completes its request does not hold a thread forever
            var stream = new NetworkStream(socket, ownsSocket: false);
            var session = OutletRequestHandler.Handle(new FeedReader(stream, 4096), stream, Info, Math.Min(110, _config.UseProtocolVersion), _config.MaxStringLength);
            if (session is null || session.MaxBufferLength <= 0 || _disposed != 0) { Close(socket); return; }
            client = new OutletClient(socket, stream, session, Math.Min(session.MaxBufferLength, _capacity), _chunkSize, _log, RemoveClient);
            lock (_clientsLock) _clients = [.. _clients, client];
            if (_disposed != 0) { client.Dispose(); return; }
            client.Start();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
            if (_disposed == 0) _log($"LSL outlet '{Info.Name}': closed the connection from {remote}: {e.Message}.");
            Close(socket);
        }
        catch (Exception e)
        {
            _log($"LSL outlet '{Info.Name}': closed the connection from {remote} after an internal error ({e.GetType().Name}: {e.Message}).");
            Close(socket);
        }
    }

    private void RemoveClient(OutletClient client)
    {
        lock (_clientsLock) _clients = _clients.Where(c => c != client).ToArray();
    }

    private static void Close(Socket socket)
    {
        try { socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        socket.Dispose();
    }

    private Socket? CreateResponder()
    {
        var addresses = _config.DiscoveryAddresses();
        if (addresses.Count == 0) return null;
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            var listen = IPAddress.TryParse(_config.ListenAddress, out var la) ? la : IPAddress.Any;
            socket.Bind(new IPEndPoint(listen, _config.MulticastPort));
            var interfaces = PortBinder.MulticastInterfaces(_config);
            var useful = false;
            foreach (var a in addresses)
            {
                if (!PortBinder.IsMulticast(a)) { useful = true; continue; }
                var joined = 0;
                foreach (var nic in interfaces)
                {
                    try { socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(a, nic)); joined++; }
                    catch (SocketException) { }
                }
                if (joined == 0) _log($"LSL outlet '{Info.Name}': could not join multicast group {a} on any interface; it will not be discoverable there.");
                else useful = true;
            }
            if (useful) return socket;
        }
        catch (SocketException e)
        {
            _log($"LSL outlet '{Info.Name}': no discovery responder on port {_config.MulticastPort} ({e.Message}); KnownPeers discovery still works.");
        }
        socket.Dispose();
        return null;
    }

    private void StartDatagramThread(Socket socket, bool answerTimeData, string name)
    {
        var thread = new Thread(() => DatagramLoop(socket, answerTimeData)) { IsBackground = true, Name = name };
        thread.Start();
    }

    private void DatagramLoop(Socket socket, bool answerTimeData)
    {
        var buffer = new byte[65536];
        while (_disposed == 0)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n;
            try { n = socket.ReceiveFrom(buffer, ref from); }
            catch (SocketException) { if (_disposed != 0) return; continue; }
            catch (ObjectDisposedException) { return; }
            var receivedAt = LslClock.LocalClock();
            try
            {
                var reply = ServiceAnswers.Answer(buffer.AsSpan(0, n), Info, answerTimeData, receivedAt, out var port, out var problem, ClockShift);
                if (problem is not null) _log($"LSL outlet '{Info.Name}': ignored {problem} from {from}.");
                if (reply is null) continue;
                var source = (IPEndPoint)from;
                socket.SendTo(reply, port == 0 ? source : new IPEndPoint(source.Address, port));
            }
            catch (Exception e)
            {
                if (_disposed != 0) return;
                _log($"LSL outlet '{Info.Name}': could not answer a datagram from {from} ({e.GetType().Name}: {e.Message}).");
            }
        }
    }

    private static string SafeHostName()
    {
        try { return Dns.GetHostName(); } catch (SocketException) { return "localhost"; }
    }

    /// <summary>Stops serving: closes the listener, the UDP sockets and every client connection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _cts.Cancel();
        _listener.Dispose();
        _service.Dispose();
        _responder?.Dispose();
        OutletClient[] clients;
        lock (_clientsLock) { clients = _clients; _clients = []; }
        foreach (var c in clients) c.Dispose();
        _cts.Dispose();
    }
}
