using System.Text;

namespace Pipeline.Lsl;

/// <summary>
/// Buffered reads of an LSL TCP byte stream: header lines and exact byte counts. End of stream throws
/// <see cref="EndOfStreamException"/>, which the connection loops turn into "connection closed".
/// </summary>
internal sealed class FeedReader(Stream stream, int bufferSize = 65536)
{
    private readonly byte[] _buffer = new byte[bufferSize];
    private int _pos;
    private int _len;

    /// <summary>Bytes received but not yet consumed (0: the next read blocks on the socket).</summary>
    public int Buffered => _len - _pos;

    /// <summary>Total bytes consumed so far (for diagnostics).</summary>
    public long Consumed { get; private set; }

    private void Fill()
    {
        _pos = 0;
        _len = stream.Read(_buffer, 0, _buffer.Length);
        if (_len <= 0) { _len = 0; throw new EndOfStreamException("The peer closed the connection."); }
    }

    public byte ReadByte()
    {
        if (_pos >= _len) Fill();
        Consumed++;
        return _buffer[_pos++];
    }

    public void ReadExactly(Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            if (_pos >= _len) Fill();
            var n = Math.Min(destination.Length, _len - _pos);
            _buffer.AsSpan(_pos, n).CopyTo(destination);
            _pos += n;
            Consumed += n;
            destination = destination[n..];
        }
    }

    public void Skip(long count)
    {
        while (count > 0)
        {
            if (_pos >= _len) Fill();
            var n = (int)Math.Min(count, _len - _pos);
            _pos += n;
            Consumed += n;
            count -= n;
        }
    }

    /// <summary>Reads one line up to LF (the CR before it removed); longer than <paramref name="maxLength"/> is a protocol error.</summary>
    public string ReadLine(int maxLength)
    {
        var sb = new StringBuilder();
        while (true)
        {
            var b = ReadByte();
            if (b == (byte)'\n') break;
            if (sb.Length >= maxLength) throw new InvalidDataException($"a text line longer than {maxLength} bytes arrived");
            sb.Append((char)b);
        }
        if (sb.Length > 0 && sb[^1] == '\r') sb.Length--;
        return sb.ToString();
    }

    public string ReadUtf8(int length)
    {
        if (length == 0) return "";
        var bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
        ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }
}
