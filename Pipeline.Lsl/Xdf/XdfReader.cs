using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Lsl.Xdf;

/// <summary>
/// A streaming XDF 1.0 reader with bounded memory. <see cref="Open(string)"/> walks the chunk framing once
/// (seeking over sample payloads) to collect stream headers in order of first appearance, footers and clock
/// offsets; <see cref="ReadSamples"/> then decodes the Samples chunks one at a time, on each enumeration.
/// Damage (truncation, corruption, lying lengths) never throws: what could be read is returned and each problem
/// is described in <see cref="Warnings"/>. A reader instance is not meant for concurrent enumeration from several
/// threads, but each enumeration opens its own stream, so sequential ones are independent.
/// </summary>
public sealed class XdfReader
{
    /// <summary>Stream header/footer XML longer than this is treated as damage, not read into memory.</summary>
    private const long MaxXmlBytes = 16 << 20;

    /// <summary>A single Samples chunk larger than this is skipped (one chunk is held in memory at a time).</summary>
    private const long MaxSamplesChunkBytes = 1L << 30;

    private const int MaxWarnings = 200;

    /// <summary>
    /// Streams declaring more channels than this are skipped as damaged headers: every channel costs a label and a
    /// column wherever the stream goes, so a lying count (2^31, 10^8) would cost gigabytes before one sample is read.
    /// High-density EEG has 256-1024 channels; 65,536 leaves room for any real device.
    /// </summary>
    public const int MaxChannels = 1 << 16;

    /// <summary>
    /// Streams declaring a nominal rate above this (Hz) are skipped as damaged headers: windows, epochs and chunks are
    /// sized as seconds x rate, so a rate of 1e9 or 1e308 would overflow or allocate beyond any real data. The fastest
    /// recorded biosignals and ultrasound microphones run below 1 MHz; 10 MHz leaves room for any real device.
    /// </summary>
    public const double MaxNominalRate = 10e6;

    /// <summary>
    /// Streams declaring a positive nominal rate below this (Hz: one sample in 11.6 days) are skipped as damaged
    /// headers; 0 (irregular) stays valid. A rate of 1e-300 would make every window and epoch shorter than a sample.
    /// </summary>
    public const double MinNominalRate = 1e-6;

    private static ReadOnlySpan<byte> Magic => "XDF:"u8;

    private readonly Func<Stream> _open;
    private readonly long _length;
    private readonly List<XdfStream> _streams = [];
    private readonly Dictionary<uint, XdfStream> _byId = [];
    private readonly List<string> _warnings = [];
    // Streams whose header was refused: their other chunks are skipped without a second warning.
    private readonly HashSet<uint> _skipped = [];
    private readonly HashSet<string> _warningSet = [];

    private XdfReader(string source, Func<Stream> open, long length)
    {
        Source = source;
        _open = open;
        _length = length;
    }

    /// <summary>What was opened (the path, or a name for in-memory data), for messages.</summary>
    public string Source { get; }

    /// <summary>The FileHeader XML, or null when the file has none.</summary>
    public string? FileHeaderXml { get; private set; }

    /// <summary>The streams in order of their first StreamHeader in the file.</summary>
    public IReadOnlyList<XdfStream> Streams => _streams;

    /// <summary>
    /// One sentence per problem met so far (damage the reader worked around). The first pass fills it; damaged
    /// Samples payloads are added when <see cref="ReadSamples"/> meets them (each problem once).
    /// </summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>The stream with this StreamId, or null.</summary>
    public XdfStream? FindStream(uint id) => _byId.GetValueOrDefault(id);

    /// <summary>Opens an XDF file and reads its structure (headers, footers, clock offsets).</summary>
    /// <exception cref="XdfFormatException">The file is missing, unreadable, empty or not XDF.</exception>
    public static XdfReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new XdfFormatException($"The XDF file '{path}' does not exist; check the path.");
        Stream OpenFile() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        try
        {
            using var probe = OpenFile();
            var reader = new XdfReader(path, OpenFile, probe.Length);
            reader.ReadStructure(probe);
            return reader;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new XdfFormatException($"The XDF file '{path}' could not be read ({e.Message}); check that it is readable.", e);
        }
    }

    /// <summary>Reads XDF data held in memory (tests, downloads); <paramref name="name"/> is used in messages.</summary>
    /// <exception cref="XdfFormatException">The data is empty or not XDF.</exception>
    public static XdfReader Open(byte[] contents, string name = "the in-memory XDF data")
    {
        ArgumentNullException.ThrowIfNull(contents);
        Stream OpenMemory() => new MemoryStream(contents, writable: false);
        var reader = new XdfReader(name, OpenMemory, contents.Length);
        using var stream = OpenMemory();
        reader.ReadStructure(stream);
        return reader;
    }

    /// <summary>
    /// Decodes the Samples chunks in file order, one chunk per item. Timestamps are mapped to the recorder's
    /// clock through each stream's <see cref="XdfStream.ClockSync"/> when <paramref name="applyClockOffsets"/> is
    /// true (streams without offsets are untouched), else returned as stored. Each item owns fresh arrays.
    /// </summary>
    public IEnumerable<XdfSampleChunk> ReadSamples(bool applyClockOffsets = true)
    {
        using var stream = _open();
        var scanner = new XdfChunkScanner(stream, Magic.Length, Math.Min(_length, stream.Length), warn: null);
        var previous = new double[_streams.Count];
        byte[] buffer = [];
        while (scanner.Next(out var frame))
        {
            if (frame.Tag != (ushort)XdfChunkTag.Samples) continue;
            if (!_byId.TryGetValue(frame.StreamId, out var xdfStream) || frame.Start < xdfStream.HeaderOffset || !xdfStream.IsDecodable)
                continue;
            if (frame.PayloadLength > MaxSamplesChunkBytes)
            {
                Warn($"the Samples chunk at byte {frame.Start} holds {frame.PayloadLength} bytes, more than the reader accepts in one chunk; it was skipped");
                continue;
            }
            var length = (int)frame.PayloadLength;
            if (buffer.Length < length) buffer = new byte[Math.Max(length, Math.Min(2 * (long)buffer.Length, MaxSamplesChunkBytes))];
            if (!scanner.ReadAt(frame.PayloadStart, buffer.AsSpan(0, length))) yield break;
            var chunk = XdfSampleDecoder.Decode(buffer.AsSpan(0, length), xdfStream, frame.Start,
                ref previous[xdfStream.Index], applyClockOffsets ? xdfStream.ClockSync : null, out var problem);
            if (problem is not null)
                Warn($"the Samples chunk at byte {frame.Start} of stream {xdfStream.Id} {problem}; the samples before the damage were kept");
            if (chunk is not null) yield return chunk;
        }
    }

    private void ReadStructure(Stream stream)
    {
        if (_length == 0)
            throw new XdfFormatException($"The XDF file '{Source}' is empty; record again or pick another file.");
        Span<byte> magic = stackalloc byte[4];
        if (_length < 4 || stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4 || !magic.SequenceEqual(Magic))
            throw new XdfFormatException($"The file '{Source}' is not an XDF file (it does not start with 'XDF:'); pick an .xdf recording.");

        var scanner = new XdfChunkScanner(stream, Magic.Length, _length, Warn);
        var offsets = new Dictionary<uint, List<XdfClockOffset>>();
        var first = true;
        Span<byte> fixedFields = stackalloc byte[20];
        while (scanner.Next(out var frame))
        {
            if (first && frame.Tag != (ushort)XdfChunkTag.FileHeader)
                Warn($"the file does not start with a FileHeader chunk (its first chunk has tag {frame.Tag})");
            first = false;
            switch ((XdfChunkTag)frame.Tag)
            {
                case XdfChunkTag.FileHeader:
                    FileHeaderXml ??= ReadXml(scanner, frame);
                    break;
                case XdfChunkTag.StreamHeader:
                    AddStream(scanner, frame);
                    break;
                case XdfChunkTag.Samples:
                    CountSamples(scanner, frame);
                    break;
                case XdfChunkTag.ClockOffset:
                    scanner.ReadAt(frame.PayloadStart, fixedFields[..16]);
                    if (!offsets.TryGetValue(frame.StreamId, out var list)) offsets[frame.StreamId] = list = [];
                    list.Add(new XdfClockOffset(
                        BinaryPrimitives.ReadDoubleLittleEndian(fixedFields),
                        BinaryPrimitives.ReadDoubleLittleEndian(fixedFields[8..])));
                    break;
                case XdfChunkTag.Boundary:
                case XdfChunkTag.SamplesV2:
                    break;
                case XdfChunkTag.StreamFooter:
                    var xml = ReadXml(scanner, frame);
                    if (xml is null) break;
                    if (_byId.TryGetValue(frame.StreamId, out var owner)) owner.Footer = XdfStreamFooter.Parse(xml);
                    else if (!_skipped.Contains(frame.StreamId)) Warn($"the StreamFooter at byte {frame.Start} belongs to stream {frame.StreamId}, which has no StreamHeader; it was ignored");
                    break;
                default:
                    Warn($"chunks with the unknown tag {frame.Tag} were skipped");
                    break;
            }
        }
        foreach (var (id, list) in offsets)
        {
            if (!_byId.TryGetValue(id, out var owner))
            {
                if (_skipped.Contains(id)) continue;
                Warn($"clock offsets for stream {id}, which has no StreamHeader, were ignored");
                continue;
            }
            owner.ClockOffsets = list;
            owner.ClockSync = ClockSync.Fit(list);
        }
    }

    private void AddStream(XdfChunkScanner scanner, XdfChunkFrame frame)
    {
        if (_byId.ContainsKey(frame.StreamId))
        {
            Warn($"stream {frame.StreamId} has a second StreamHeader at byte {frame.Start}; the first one is kept");
            return;
        }
        var xml = ReadXml(scanner, frame);
        if (xml is null) return;
        StreamInfo info;
        try
        {
            info = StreamInfo.FromXml(xml);
        }
        catch (FormatException)
        {
            Warn($"the StreamHeader of stream {frame.StreamId} at byte {frame.Start} is not valid XML; that stream was skipped");
            return;
        }
        if (info.ChannelCount > MaxChannels)
        {
            _skipped.Add(frame.StreamId);
            Warn($"stream {frame.StreamId} ('{info.Name}') declares {DeclaredText(xml, "channel_count")} channels, more than the {MaxChannels} this reader accepts; its header is damaged, so that stream was skipped");
            return;
        }
        if (info.NominalSrate > MaxNominalRate || (info.NominalSrate > 0 && info.NominalSrate < MinNominalRate))
        {
            _skipped.Add(frame.StreamId);
            Warn($"stream {frame.StreamId} ('{info.Name}') declares a nominal rate of {DeclaredText(xml, "nominal_srate")} Hz, outside the {MinNominalRate:G} to {MaxNominalRate:G} Hz of any real device; its header is damaged, so that stream was skipped");
            return;
        }
        var stream = new XdfStream(frame.StreamId, _streams.Count, info, xml, frame.Start);
        if (!stream.IsDecodable)
            Warn($"stream {frame.StreamId} ('{info.Name}') declares {info.ChannelCount} channels of format '{info.ChannelFormat.ToXmlName()}', so its samples cannot be decoded");
        _streams.Add(stream);
        _byId[frame.StreamId] = stream;
    }

    /// <summary>The text of one header field as written (for messages: the parsed value may have been clamped).</summary>
    private static string DeclaredText(string xml, string field)
    {
        var text = System.Xml.Linq.XDocument.Parse(xml).Root?.Element(field)?.Value.Trim() ?? "";
        return text.Length > 40 ? text[..40] + "..." : text;
    }

    private void CountSamples(XdfChunkScanner scanner, XdfChunkFrame frame)
    {
        if (!_byId.TryGetValue(frame.StreamId, out var stream) || frame.Start < stream.HeaderOffset)
        {
            if (_skipped.Contains(frame.StreamId)) return;
            Warn($"Samples chunks of stream {frame.StreamId} appear without a StreamHeader before them; they were skipped");
            return;
        }
        if (!stream.IsDecodable) return;
        Span<byte> head = stackalloc byte[9];
        var available = (int)Math.Min(head.Length, frame.PayloadLength);
        scanner.ReadAt(frame.PayloadStart, head[..available]);
        var position = 0;
        if (!XdfSampleDecoder.TryReadVarLen(head[..available], ref position, out var declared)) return;
        stream.SampleCount += XdfSampleDecoder.CappedCount(declared, frame.PayloadLength - position, stream.Header);
        stream.ChunkCount++;
    }

    private string? ReadXml(XdfChunkScanner scanner, XdfChunkFrame frame)
    {
        if (frame.PayloadLength > MaxXmlBytes)
        {
            Warn($"the chunk at byte {frame.Start} (tag {frame.Tag}) holds {frame.PayloadLength} bytes of XML, far more than a header; it was skipped");
            return null;
        }
        var bytes = new byte[frame.PayloadLength];
        scanner.ReadAt(frame.PayloadStart, bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    private void Warn(string warning)
    {
        if (_warnings.Count > MaxWarnings || !_warningSet.Add(warning)) return;
        _warnings.Add(_warnings.Count == MaxWarnings ? "further warnings were left out" : warning);
    }
}
