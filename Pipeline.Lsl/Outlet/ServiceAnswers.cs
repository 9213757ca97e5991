using System.Globalization;
using System.Text;
using System.Xml.XPath;

namespace Pipeline.Lsl;

/// <summary>The outlet's answers to UDP datagrams: discovery (<c>LSL:shortinfo</c>) and clock probes (<c>LSL:timedata</c>).</summary>
internal static class ServiceAnswers
{
    /// <summary>
    /// The reply to one datagram, or null when none is due (no match, unknown method, malformed: <paramref name="problem"/>
    /// says why when it is worth a log line). <paramref name="replyPort"/> is the port to answer to (0 = the sender's).
    /// <paramref name="clockShift"/> is added to this host's clock in time-probe replies (0 except in tests that play a
    /// host whose clock differs).
    /// </summary>
    public static byte[]? Answer(ReadOnlySpan<byte> datagram, StreamInfo info, bool answerTimeData, double receivedAt,
        out int replyPort, out string? problem, double clockShift = 0)
    {
        replyPort = 0;
        problem = null;
        string text;
        try { text = Encoding.UTF8.GetString(datagram); }
        catch (ArgumentException) { problem = "a datagram that is not text"; return null; }
        var lines = text.Split('\n');
        var method = lines[0].Trim();
        if (method == "LSL:shortinfo")
        {
            if (lines.Length < 3) { problem = "a shortinfo query without query and return-port lines"; return null; }
            var query = lines[1].Trim();
            var tokens = lines[2].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length < 2 || !int.TryParse(tokens[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) || port is <= 0 or > 65535)
            { problem = "a shortinfo query without a valid '<return-port> <query-id>' line"; return null; }
            bool match;
            try { match = info.Matches(query); }
            catch (XPathException e) { problem = $"a query that is not valid XPath ({e.Message})"; return null; }
            if (!match) return null;
            replyPort = port;
            return Encoding.UTF8.GetBytes(tokens[1] + "\r\n" + info.ToShortInfoXml());
        }
        if (method == "LSL:timedata" && answerTimeData)
        {
            var tokens = lines.Length > 1 ? lines[1].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) : [];
            if (tokens.Length < 2 || !LslNumber.TryParse(tokens[1], out var t0))
            { problem = "a timedata probe without '<wave-id> <t0>'"; return null; }
            var t2 = LslClock.LocalClock() + clockShift;
            return Encoding.ASCII.GetBytes($" {tokens[0]} {LslNumber.Probe(t0)} {LslNumber.Probe(receivedAt + clockShift)} {LslNumber.Probe(t2)}");
        }
        if (method.StartsWith("LSL:", StringComparison.Ordinal)) return null; // unknown methods are ignored, like liblsl
        problem = "a datagram that is not an LSL request";
        return null;
    }
}
