using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Lsl;

/// <summary>
/// The feed of one inlet (liblsl's <c>data_receiver</c>): a background thread that connects to the outlet's data
/// port, negotiates protocol 1.10 (or 1.00), verifies the test patterns and decodes samples into a bounded
/// <see cref="SampleQueue"/>; when the feed ends it asks the <see cref="InletConnection"/> to recover and starts over.
/// </summary>
internal sealed class DataReceiver : IDisposable
{
    /// <summary>Queue flag of the first sample of each feed (a connection after a recovery starts after a gap).</summary>
    public const byte FirstOfFeed = 1;

    private readonly InletConnection _connection;
    private readonly Action<string> _log;
    private readonly int _maxBuflen;
    private readonly int _maxChunklen;
    private readonly double _period;
    private readonly CancellationTokenSource _cts = new();
    private readonly ManualResetEventSlim _connected = new(false);
    private readonly Thread _thread;
    private Socket? _socket;
    private double _lastReceivedTimestamp = double.NaN;
    private int _feeds;

    public DataReceiver(InletConnection connection, int maxBuflen, int maxChunklen)
    {
        _connection = connection;
        _log = connection.Config.Log ?? (_ => { });
        _maxBuflen = maxBuflen;
        _maxChunklen = maxChunklen;
        _period = connection.NominalSrate > 0 ? 1.0 / connection.NominalSrate : 0;
        var sampleBytes = connection.Format.ValueSize() * connection.ChannelCount;
        Queue = new SampleQueue(maxBuflen, sampleBytes, connection.ChannelCount, connection.Format == ChannelFormat.String);
        _thread = new Thread(Run) { IsBackground = true, Name = "LSL inlet " + connection.Name };
    }

    /// <summary>Decoded samples, oldest first (single consumer: the inlet's pulling thread).</summary>
    public SampleQueue Queue { get; }

    /// <summary>How many feeds passed their handshake so far (a new one after each recovery).</summary>
    public int FeedCount => Volatile.Read(ref _feeds);

    public void Start() => _thread.Start();

    /// <summary>Waits up to <paramref name="timeout"/> for a feed that passed its handshake.</summary>
    public bool WaitConnected(TimeSpan timeout) => _connected.Wait(timeout);

    private void Run()
    {
        while (!_cts.IsCancellationRequested)
        {
            var (address, port, uid) = _connection.DataEndpoint();
            string reason;
            var connectedNow = false;
            try
            {
                Feed(address, port, uid, () =>
                {
                    connectedNow = true;
                    Interlocked.Increment(ref _feeds);
                    _connection.Connected(uid, _lastReceivedTimestamp);
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
            _log($"LSL inlet '{_connection.Name}': connection to {address}:{port} ended: {reason}.");
            _connection.Disconnected(uid, reason, _lastReceivedTimestamp, connectedNow);
            if (_connection.IsLost)
            {
                Queue.WakeAlways();
                return;
            }
            if (!_connection.Recover(_cts.Token)) break;
        }
    }

    private void Feed(IPAddress address, int port, string uid, Action onConnected)
    {
        using var socket = InletConnection.Connect(address, port, 5);
        _socket = socket;
        if (_cts.IsCancellationRequested) return;
        socket.NoDelay = true;
        // Watchdog (regular streams): silence longer than the threshold means a dead peer; reconnect.
        socket.ReceiveTimeout = _period > 0 ? (int)Math.Max(1000, _connection.Config.WatchdogTimeThreshold * 1000) : 0;
        using var stream = new NetworkStream(socket, ownsSocket: false);
        var reader = new FeedReader(stream);
        var format = _connection.Format;
        var channels = _connection.ChannelCount;
        var protocol = Math.Min(110, _connection.Config.UseProtocolVersion);
        SampleCodec codec;
        if (protocol >= 110)
        {
            stream.Write(Encoding.UTF8.GetBytes(FeedRequest(uid)));
            codec = ParseResponse(reader, uid, format, channels, _connection.NominalSrate, _connection.Config.MaxStringLength);
        }
        else
        {
            stream.Write(Encoding.ASCII.GetBytes($"LSL:streamfeed\r\n{_maxBuflen.ToString(CultureInfo.InvariantCulture)} {_maxChunklen.ToString(CultureInfo.InvariantCulture)}\r\n"));
            codec = new SampleCodec(format, channels, _connection.NominalSrate, 100, false, false, _connection.Config.MaxStringLength);
            codec.DecodeArchiveHeader(reader);
        }
        codec.VerifyTestPatterns(reader);
        _connected.Set();
        onConnected();
        var isString = format == ChannelFormat.String;
        var flags = FirstOfFeed;
        // Below this many buffered bytes the next sample may be incomplete, so the decoder may block: wake the consumer
        // for what is decoded (numeric 1.10 samples: tag, timestamp, values; other encodings vary, so every sample).
        var wakeBelow = codec.Protocol >= 110 && !isString ? 9 + codec.SampleBytes : int.MaxValue;
        while (!_cts.IsCancellationRequested)
        {
            var ts = isString ? codec.Decode(reader, default, Queue.NextStrings()) : codec.Decode(reader, Queue.NextBytes(), default);
            // One wake-up per batch received: the consumer is woken when the decoder has used up what arrived.
            Queue.Publish(ts, flags, wake: reader.Buffered < wakeBelow);
            flags = 0;
            _lastReceivedTimestamp = ts;
        }
    }

    /// <summary>The protocol 1.10 feed request for the outlet instance <paramref name="uid"/>.</summary>
    internal string FeedRequest(string uid)
    {
        var f = _connection.Format;
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
               $"Source-Id: {_connection.SourceId}\r\n" +
               $"Session-Id: {_connection.Config.SessionId}\r\n\r\n";
    }

    /// <summary>Parses the outlet's response header (protocol 1.10 request) and returns the codec it negotiated.</summary>
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

    /// <summary>Closes the feed and stops the thread (waits up to 3 s for it).</summary>
    public void Dispose()
    {
        _cts.Cancel();
        try { _socket?.Dispose(); } catch (ObjectDisposedException) { }
        Queue.WakeAlways();
        if (_thread.IsAlive) _thread.Join(TimeSpan.FromSeconds(3));
    }

    /// <summary>The outlet said the requested stream instance no longer exists (404, changed uid): recover.</summary>
    private sealed class StreamGoneException(string message) : Exception(message);
}
