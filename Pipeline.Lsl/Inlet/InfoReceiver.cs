using System.Net.Sockets;
using System.Text;

namespace Pipeline.Lsl;

/// <summary>
/// Fetches the outlet's full stream info (with <c>desc</c>) over TCP with <c>LSL:fullinfo</c> (liblsl's
/// <c>info_receiver</c>), once per outlet instance: a recovery to a new outlet forgets the cached copy.
/// </summary>
internal sealed class InfoReceiver
{
    private readonly InletConnection _connection;
    private volatile StreamInfo? _fullInfo;

    public InfoReceiver(InletConnection connection)
    {
        _connection = connection;
        connection.OutletChanged += () => _fullInfo = null;
    }

    /// <exception cref="TimeoutException">No answer within the timeout.</exception>
    public StreamInfo Info(double timeout)
    {
        if (_fullInfo is { } cached) return cached.Clone();
        var end = LslClock.LocalClock() + timeout;
        while (true)
        {
            try
            {
                var (address, port, _) = _connection.DataEndpoint();
                using var socket = InletConnection.Connect(address, port, Math.Max(0.1, Math.Min(5, end - LslClock.LocalClock())));
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
                if (LslClock.LocalClock() >= end) throw new TimeoutException($"The full info of stream '{_connection.Name}' could not be fetched within {timeout} s ({e.Message}).", e);
                Thread.Sleep(100);
            }
        }
    }
}
