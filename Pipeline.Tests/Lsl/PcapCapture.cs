using System.Buffers.Binary;
using System.Net;

namespace Pipeline.Tests.Lsl;

/// <summary>
/// A tiny pcap reader for the reference captures: UDP datagrams and TCP connections (each direction reassembled by
/// sequence number) over Ethernet, Linux cooked (SLL, SLL2) or raw IPv4 link types.
/// </summary>
public sealed class PcapCapture
{
    public sealed record Datagram(IPEndPoint From, IPEndPoint To, byte[] Payload);

    public sealed class TcpConnection(IPEndPoint client, IPEndPoint server)
    {
        public IPEndPoint Client { get; } = client;
        public IPEndPoint Server { get; } = server;
        internal readonly SortedDictionary<uint, byte[]> ClientSegments = new();
        internal readonly SortedDictionary<uint, byte[]> ServerSegments = new();
        internal uint ClientIsn, ServerIsn;
        internal bool HaveClientIsn, HaveServerIsn;
        public byte[] ClientBytes => Reassemble(ClientSegments, ClientIsn, HaveClientIsn);
        public byte[] ServerBytes => Reassemble(ServerSegments, ServerIsn, HaveServerIsn);

        private static byte[] Reassemble(SortedDictionary<uint, byte[]> segments, uint isn, bool haveIsn)
        {
            using var ms = new MemoryStream();
            var next = haveIsn ? isn + 1 : segments.Keys.FirstOrDefault();
            foreach (var (seq, data) in segments.OrderBy(kv => kv.Key - next))
            {
                var offset = (int)(next - seq);
                if (offset < 0) throw new InvalidDataException("a TCP segment is missing from the capture");
                if (offset >= data.Length) continue; // retransmission
                ms.Write(data, offset, data.Length - offset);
                next = seq + (uint)data.Length;
            }
            return ms.ToArray();
        }
    }

    public List<Datagram> Udp { get; } = [];
    public List<TcpConnection> Tcp { get; } = [];

    public static PcapCapture Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        var le = magic is 0xa1b2c3d4 or 0xa1b23c4d;
        if (!le && BinaryPrimitives.ReadUInt32BigEndian(bytes) is not (0xa1b2c3d4 or 0xa1b23c4d)) throw new InvalidDataException("not a pcap file");
        uint U32(int o) => le ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(o)) : BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(o));
        var linkType = U32(20);
        var capture = new PcapCapture();
        var pos = 24;
        while (pos + 16 <= bytes.Length)
        {
            var inclLen = (int)U32(pos + 8);
            var frame = bytes.AsSpan(pos + 16, inclLen);
            pos += 16 + inclLen;
            int ipOffset, etherType;
            switch (linkType)
            {
                case 1: etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]); ipOffset = 14; break;
                case 113: etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]); ipOffset = 16; break;
                case 276: etherType = BinaryPrimitives.ReadUInt16BigEndian(frame); ipOffset = 20; break;
                case 101: etherType = 0x0800; ipOffset = 0; break;
                default: throw new InvalidDataException($"link type {linkType} is not supported");
            }
            if (etherType != 0x0800) continue;
            capture.AddIPv4(frame[ipOffset..]);
        }
        return capture;
    }

    private void AddIPv4(ReadOnlySpan<byte> ip)
    {
        var ihl = (ip[0] & 0x0f) * 4;
        var total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        var proto = ip[9];
        var src = new IPAddress(ip.Slice(12, 4));
        var dst = new IPAddress(ip.Slice(16, 4));
        var l4 = ip[ihl..total];
        var sp = BinaryPrimitives.ReadUInt16BigEndian(l4);
        var dp = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
        var from = new IPEndPoint(src, sp);
        var to = new IPEndPoint(dst, dp);
        if (proto == 17) { Udp.Add(new Datagram(from, to, l4[8..].ToArray())); return; }
        if (proto != 6) return;
        var seq = BinaryPrimitives.ReadUInt32BigEndian(l4[4..]);
        var dataOffset = (l4[12] >> 4) * 4;
        var flags = l4[13];
        var payload = l4[dataOffset..].ToArray();
        var syn = (flags & 0x02) != 0;
        var ack = (flags & 0x10) != 0;
        var conn = Tcp.LastOrDefault(c => (c.Client.Equals(from) && c.Server.Equals(to)) || (c.Client.Equals(to) && c.Server.Equals(from)));
        if (syn && !ack) { conn = new TcpConnection(from, to) { ClientIsn = seq, HaveClientIsn = true }; Tcp.Add(conn); return; }
        if (conn is null) { conn = new TcpConnection(from, to); Tcp.Add(conn); }
        var fromClient = conn.Client.Equals(from);
        if (syn) { conn.ServerIsn = seq; conn.HaveServerIsn = true; return; }
        if (payload.Length == 0) return;
        (fromClient ? conn.ClientSegments : conn.ServerSegments).TryAdd(seq, payload);
    }
}
