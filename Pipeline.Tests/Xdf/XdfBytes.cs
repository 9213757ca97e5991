using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Tests.Xdf;

/// <summary>
/// Builds XDF files chunk by chunk with any header text, including values no writer would produce (a channel count of
/// 2^31, a nominal rate of 1e308), so the readers' answers to lying headers can be tested.
/// </summary>
internal sealed class XdfBytes
{
    private readonly MemoryStream _file = new();

    public XdfBytes()
    {
        _file.Write("XDF:"u8);
        Chunk(1, Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><info><version>1.0</version></info>"));
    }

    /// <summary>A StreamHeader whose fields are written as given (text, so any value can be tried).</summary>
    public XdfBytes Header(uint id, string name, string type, string channelCount, string rate, string format, string sourceId = "", string[]? labels = null)
    {
        var desc = labels is null ? "" : "<desc><channels>" + string.Concat(labels.Select(l => $"<channel><label>{System.Security.SecurityElement.Escape(l)}</label><unit>microvolts</unit></channel>")) + "</channels></desc>";
        var xml = $"<?xml version=\"1.0\"?><info><name>{name}</name><type>{type}</type><channel_count>{channelCount}</channel_count>" +
                  $"<nominal_srate>{rate}</nominal_srate><channel_format>{format}</channel_format><source_id>{sourceId}</source_id>{desc}</info>";
        return Chunk(2, [.. Id(id), .. Encoding.UTF8.GetBytes(xml)]);
    }

    /// <summary>A Samples chunk of float32 frames, each with its timestamp.</summary>
    public XdfBytes Samples(uint id, IReadOnlyList<double> times, IReadOnlyList<float[]> frames)
    {
        var body = new MemoryStream();
        body.Write(Id(id));
        body.WriteByte(4);
        body.Write(BitConverter.GetBytes((uint)times.Count));
        Span<byte> eight = stackalloc byte[8];
        for (var i = 0; i < times.Count; i++)
        {
            body.WriteByte(8);
            BinaryPrimitives.WriteDoubleLittleEndian(eight, times[i]);
            body.Write(eight);
            foreach (var v in frames[i])
            {
                BinaryPrimitives.WriteSingleLittleEndian(eight, v);
                body.Write(eight[..4]);
            }
        }
        return Chunk(3, body.ToArray());
    }

    /// <summary>A Samples chunk of one-channel string samples (markers).</summary>
    public XdfBytes Markers(uint id, params (double Time, string Text)[] markers)
    {
        var body = new MemoryStream();
        body.Write(Id(id));
        body.WriteByte(4);
        body.Write(BitConverter.GetBytes((uint)markers.Length));
        Span<byte> eight = stackalloc byte[8];
        foreach (var (time, text) in markers)
        {
            body.WriteByte(8);
            BinaryPrimitives.WriteDoubleLittleEndian(eight, time);
            body.Write(eight);
            var bytes = Encoding.UTF8.GetBytes(text);
            body.WriteByte(4);
            body.Write(BitConverter.GetBytes((uint)bytes.Length));
            body.Write(bytes);
        }
        return Chunk(3, body.ToArray());
    }

    public byte[] ToArray() => _file.ToArray();

    private static byte[] Id(uint id) => BitConverter.GetBytes(id);

    private XdfBytes Chunk(ushort tag, byte[] content)
    {
        _file.WriteByte(8);
        _file.Write(BitConverter.GetBytes((ulong)(content.Length + 2)));
        _file.Write(BitConverter.GetBytes(tag));
        _file.Write(content);
        return this;
    }
}
