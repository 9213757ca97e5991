using System.Globalization;
using System.Text;

namespace Pipeline.Lsl;

/// <summary>
/// The server side of an outlet's TCP requests (<c>LSL:shortinfo</c>, <c>LSL:fullinfo</c>, <c>LSL:streamfeed</c>
/// 1.00 and <c>LSL:streamfeed/110</c>), with liblsl 1.17.7's negotiation rules. Works on any streams so the exact
/// bytes can be checked against captured liblsl traffic.
/// </summary>
internal static class OutletRequestHandler
{
    public const int MaxLine = 4096;
    public const int MaxHeaderLines = 64;

    /// <summary>How many byte swaps per 10 ms we claim; the faster side converts (liblsl clients send ~1e6).</summary>
    public const double EndianPerformance = 1e6;

    /// <summary>
    /// Serves one request. Returns the negotiated session when samples should follow (header and test patterns are
    /// already written), or null when the connection is done (info sent, error status sent, or request refused).
    /// </summary>
    /// <exception cref="InvalidDataException">The request is malformed; the message says how.</exception>
    public static FeedSession? Handle(FeedReader reader, Stream output, StreamInfo info, int ownVersion, long maxStringLength)
    {
        var requestLine = reader.ReadLine(MaxLine).Trim();
        var b = new ByteBuffer();
        if (requestLine == "LSL:shortinfo")
        {
            var query = reader.ReadLine(MaxLine).Trim();
            if (info.Matches(query)) Write(output, info.ToShortInfoXml());
            return null;
        }
        if (requestLine == "LSL:fullinfo")
        {
            Write(output, info.ToFullInfoXml());
            return null;
        }
        if (requestLine == "LSL:streamfeed")
        {
            var parts = reader.ReadLine(MaxLine).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var buflen)
                || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var chunklen))
                throw new InvalidDataException("the legacy streamfeed request lacks '<max_buflen> <max_chunklen>'");
            var legacy = new SampleCodec(info.ChannelFormat, info.ChannelCount, info.NominalSrate, 100, false, false, maxStringLength);
            SampleCodec.EncodeArchiveHeader(b, info.ToShortInfoXml());
            legacy.EncodeTestPatterns(b);
            output.Write(b.Span);
            output.Flush();
            return new FeedSession(legacy, buflen, chunklen);
        }
        if (!requestLine.StartsWith("LSL:streamfeed/", StringComparison.Ordinal))
            throw new InvalidDataException($"unknown request '{Printable(requestLine)}'");

        var rest = requestLine["LSL:streamfeed/".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length == 0 || !int.TryParse(rest[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var requested) || requested <= 0)
            throw new InvalidDataException($"the streamfeed request line '{Printable(requestLine)}' has no protocol version");
        var uid = rest.Length > 1 ? rest[1] : null;

        // Headers up to the empty line (liblsl waits for it; so do we, with limits).
        var headers = new Dictionary<string, string>();
        for (var n = 0; ; n++)
        {
            if (n > MaxHeaderLines) throw new InvalidDataException($"more than {MaxHeaderLines} header lines");
            var line = reader.ReadLine(MaxLine);
            if (line.Length == 0) break;
            var lower = line.ToLowerInvariant();
            var semi = lower.IndexOf(';');
            if (semi >= 0) lower = lower[..semi];
            var colon = lower.IndexOf(':');
            if (colon < 0) continue;
            headers[lower[..colon].Trim()] = lower[(colon + 1)..].Trim();
        }

        var status = ownVersion.ToString(CultureInfo.InvariantCulture);
        if (requested / 100 > ownVersion / 100) { Write(output, $"LSL/{status} 505 Version not supported"); return null; }
        if (uid is not null && uid != info.Uid) { Write(output, $"LSL/{status} 404 Not found"); return null; }

        var format = info.ChannelFormat;
        var protocol = Math.Min(ownVersion, requested);
        if (format != ChannelFormat.String && headers.TryGetValue("value-size", out var vs)
            && (!int.TryParse(vs, NumberStyles.Integer, CultureInfo.InvariantCulture, out var valueSize) || valueSize != format.ValueSize()))
            protocol = 100;
        if (headers.TryGetValue("has-ieee754-floats", out var ieee) && ieee != "1") protocol = 100;

        var clientOrder = headers.TryGetValue("native-byte-order", out var bo) && int.TryParse(bo, NumberStyles.Integer, CultureInfo.InvariantCulture, out var o) ? o : 1234;
        var clientPerf = headers.TryGetValue("endian-performance", out var ep) && LslNumber.TryParse(ep, out var p) ? p : 0;
        var ownOrder = BitConverter.IsLittleEndian ? 1234 : 4321;
        var order = ownOrder;
        var formatSize = format == ChannelFormat.String ? 32 : format.ValueSize();
        if (protocol >= 110 && clientOrder != ownOrder && clientOrder is 1234 or 4321 && formatSize > 1 && EndianPerformance > clientPerf)
            order = clientOrder;
        var suppress = format is ChannelFormat.Float32 or ChannelFormat.Double64
            && headers.TryGetValue("supports-subnormals", out var sub) && sub != "1";
        var maxBuflen = headers.TryGetValue("max-buffer-length", out var mb) && int.TryParse(mb, NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) ? m : 0;
        var maxChunk = headers.TryGetValue("max-chunk-length", out var mc) && int.TryParse(mc, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : 0;

        var bigEndianWire = order == 4321;
        var codec = new SampleCodec(format, info.ChannelCount, info.NominalSrate, protocol, bigEndianWire, suppress, maxStringLength);
        b.AddAscii($"LSL/{status} 200 OK\r\nUID: {info.Uid}\r\nByte-Order: {order.ToString(CultureInfo.InvariantCulture)}\r\n" +
                   $"Suppress-Subnormals: {(suppress ? 1 : 0)}\r\nData-Protocol-Version: {protocol.ToString(CultureInfo.InvariantCulture)}\r\n\r\n");
        if (protocol < 110) SampleCodec.EncodeArchiveHeader(b, info.ToShortInfoXml());
        codec.EncodeTestPatterns(b);
        output.Write(b.Span);
        output.Flush();
        return new FeedSession(codec, maxBuflen, maxChunk);
    }

    private static void Write(Stream output, string text)
    {
        output.Write(Encoding.UTF8.GetBytes(text));
        output.Flush();
    }

    internal static string Printable(string s)
    {
        var sb = new StringBuilder();
        foreach (var ch in s.Length > 60 ? s[..60] : s) sb.Append(ch is >= ' ' and < (char)127 ? ch : '?');
        return sb.ToString();
    }
}
