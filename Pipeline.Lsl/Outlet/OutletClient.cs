using System.Net.Sockets;

namespace Pipeline.Lsl;

/// <summary>
/// One feed client of an outlet: its own bounded queue (oldest dropped when full) and its own sender thread, so a
/// client that reads slowly or never only loses its own samples and never holds up the outlet or other clients.
/// </summary>
internal sealed class OutletClient : IDisposable
{
    public const byte FlagDeduced = 1;
    public const byte FlagPushthrough = 2;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FeedSession _session;
    private readonly int _threshold;
    private readonly Action<string> _log;
    private readonly Action<OutletClient> _onExit;
    private readonly Thread _thread;
    private volatile bool _closed;
    private int _sinceWake; // producer only

    public OutletClient(Socket socket, NetworkStream stream, FeedSession session, int capacity, int outletChunkSize, Action<string> log, Action<OutletClient> onExit)
    {
        _socket = socket;
        _stream = stream;
        _session = session;
        _log = log;
        _onExit = onExit;
        var codec = session.Codec;
        Queue = new SampleQueue(capacity, codec.SampleBytes, codec.Channels, codec.IsString);
        _threshold = session.MaxChunkLength > 0 ? session.MaxChunkLength : outletChunkSize > 0 ? outletChunkSize : Queue.Capacity;
        Remote = socket.RemoteEndPoint?.ToString() ?? "?";
        _thread = new Thread(Run) { IsBackground = true, Name = "LSL outlet client " + Remote };
    }

    public SampleQueue Queue { get; }
    public string Remote { get; }

    public void Start() => _thread.Start();

    /// <summary>Producer side (the pushing thread): queue one sample; never blocks.</summary>
    public void Enqueue(ReadOnlySpan<byte> raw, ReadOnlySpan<string> strings, double timestamp, byte flags)
    {
        if (_session.Codec.IsString) strings.CopyTo(Queue.NextStrings());
        else raw.CopyTo(Queue.NextBytes());
        // The sender only writes at a push-through or a full chunk: wake it then, not for every sample.
        var wake = (flags & FlagPushthrough) != 0 || ++_sinceWake >= _threshold;
        if (wake) _sinceWake = 0;
        Queue.Publish(timestamp, flags, wake);
    }

    private void Run()
    {
        var codec = _session.Codec;
        var raw = new byte[Math.Max(1, codec.SampleBytes)];
        var strings = new string[codec.Channels];
        var buffer = new ByteBuffer(64 * 1024);
        var pending = 0;
        var first = true;
        try
        {
            while (!_closed)
            {
                if (!Queue.WaitForData(TimeSpan.FromMilliseconds(250))) continue;
                while (!_closed && Queue.TryRead(raw, strings, out var ts, out var flags))
                {
                    // The first sample of a connection always carries its timestamp: a deduced one would start from 0.
                    codec.Encode(buffer, ts, (flags & FlagDeduced) != 0 && !first, raw, strings);
                    first = false;
                    if ((flags & FlagPushthrough) != 0 || ++pending >= _threshold)
                    {
                        _stream.Write(buffer.Span);
                        buffer.Clear();
                        pending = 0;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            if (!_closed) _log($"LSL outlet: feed client {Remote} disconnected ({e.Message}).");
        }
        catch (Exception e)
        {
            _log($"LSL outlet: feed client {Remote} closed after an internal error ({e.GetType().Name}: {e.Message}).");
        }
        finally
        {
            Dispose();
            _onExit(this);
        }
    }

    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _socket.Dispose();
        Queue.WakeAlways();
    }
}
