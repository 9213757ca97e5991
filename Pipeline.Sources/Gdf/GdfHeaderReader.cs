using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Pipeline.Core.Signals;
using Pipeline.Sources.IO;

namespace Pipeline.Sources.Gdf;

/// <summary>
/// Parses and validates the fixed and per-signal header of a GDF 1.x/2.x file (layout in <see cref="GdfFile"/>'s
/// remarks); every fault becomes a one-sentence <see cref="PipelineException"/> naming the field and its byte.
/// </summary>
internal sealed class GdfHeaderReader
{
    // Bounds the header that is read in one piece (GDF 2 allows 65535 signals; GDF 1 counts would be absurd beyond).
    private const int MaxSignals = 65535;
    // One data record longer than this is a damaged header, not a recording (real records are kilobytes).
    internal const long MaxRecordBytes = 64L << 20;

    private readonly string _path;

    internal GdfHeaderReader(string path) => _path = path;

    /// <summary>The version field without its "GDF " prefix, e.g. <c>1.25</c>.</summary>
    internal string Version { get; private set; } = "";
    /// <summary>True for GDF 2.x, whose field widths and types differ from GDF 1.</summary>
    internal bool IsVersion2 { get; private set; }
    internal string PatientId { get; private set; } = "";
    internal string RecordingId { get; private set; } = "";
    internal DateTime? StartDateTime { get; private set; }
    /// <summary>Bytes before the first data record (fixed, signal and GDF 2 tag headers).</summary>
    internal long HeaderBytes { get; private set; }
    /// <summary>The record count field: −1 (unknown) or a count.</summary>
    internal long DeclaredRecordCount { get; private set; }
    internal double RecordDuration { get; private set; }
    internal int RecordBytes { get; private set; }
    internal GdfSignal[] Signals { get; private set; } = [];

    /// <summary>Reads the whole header from the start of the file whose total length is <paramref name="fileLength"/>.</summary>
    internal void Read(Func<long, Span<byte>, int> readAt, long fileLength)
    {
        if (fileLength < 256)
            throw new PipelineException($"The GDF file '{_path}' is {fileLength} bytes long, shorter than its 256-byte fixed header; the file is truncated.");
        var fixedHeader = new byte[256];
        readAt(0, fixedHeader);
        var h = fixedHeader.AsSpan();
        var versionText = Encoding.ASCII.GetString(h[4..8]);
        if (!h.StartsWith("GDF "u8) || !double.TryParse(versionText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var version)
            || version < 1 || version >= 3)
            throw new PipelineException($"The version field of '{_path}' reads '{Text(h[..8])}', not 'GDF 1.xx' or 'GDF 2.xx'; only GDF 1 and 2 files can be read.");
        var v2 = version >= 2;
        Version = versionText;
        IsVersion2 = v2;

        var ns = v2 ? BinaryPrimitives.ReadUInt16LittleEndian(h[252..]) : (long)BinaryPrimitives.ReadUInt32LittleEndian(h[252..]);
        if (ns is 0 or > MaxSignals)
            throw new PipelineException($"The signal count field (byte 252) of '{_path}' reads {ns}; it must be between 1 and {MaxSignals}, so the header is damaged.");
        var headerBytes = v2 ? BinaryPrimitives.ReadUInt16LittleEndian(h[184..]) * 256L : BinaryPrimitives.ReadInt64LittleEndian(h[184..]);
        var minimum = 256 * (ns + 1);
        if (headerBytes < minimum)
            throw new PipelineException($"The header length field (byte 184) of '{_path}' gives {headerBytes} bytes, less than the {minimum} that {ns} signals need; the header is damaged.");
        if (headerBytes > fileLength)
            throw new PipelineException($"The header length field (byte 184) of '{_path}' gives {headerBytes} bytes but the file holds {fileLength}; the file is truncated or its header is damaged.");
        HeaderBytes = headerBytes;

        DeclaredRecordCount = BinaryPrimitives.ReadInt64LittleEndian(h[236..]);
        if (DeclaredRecordCount < -1)
            throw new PipelineException($"The record count field (byte 236) of '{_path}' reads {DeclaredRecordCount}; it must be −1 (unknown) or a count, so the header is damaged.");
        var numerator = BinaryPrimitives.ReadUInt32LittleEndian(h[244..]);
        var denominator = BinaryPrimitives.ReadUInt32LittleEndian(h[248..]);
        if (numerator == 0 || denominator == 0)
            throw new PipelineException($"The record duration field (bytes 244–251) of '{_path}' reads {numerator}/{denominator} s; both parts must be positive, so the header is damaged.");
        RecordDuration = (double)numerator / denominator;

        var signalHeader = new byte[256 * ns];
        readAt(256, signalHeader);
        Signals = ParseSignals(signalHeader, (int)ns, v2, RecordDuration, out var recordBytes);
        RecordBytes = recordBytes;
        PatientId = Text(h.Slice(8, v2 ? 66 : 80));
        RecordingId = Text(h.Slice(88, v2 ? 64 : 80));
        StartDateTime = ParseStart(h[168..184], v2);
    }

    private GdfSignal[] ParseSignals(byte[] header, int ns, bool v2, double recordDuration, out int recordBytes)
    {
        var h = header.AsSpan();
        // Field offsets (per field, times ns) of the signal header, in the order the two versions store them.
        var dimWidth = 8;
        var labelAt = 0;
        var transducerAt = 16 * ns;
        var dimAt = 96 * ns;
        var pminAt = 104 * ns;
        var pmaxAt = 112 * ns;
        var dminAt = 120 * ns;
        var dmaxAt = 128 * ns;
        var sprAt = 216 * ns;
        var typeAt = 220 * ns;
        if (v2) dimWidth = 6;
        var signals = new GdfSignal[ns];
        long offset = 0;
        for (var i = 0; i < ns; i++)
        {
            var number = i + 1;
            var label = Text(h.Slice(labelAt + 16 * i, 16));
            var pmin = BinaryPrimitives.ReadDoubleLittleEndian(h[(pminAt + 8 * i)..]);
            var pmax = BinaryPrimitives.ReadDoubleLittleEndian(h[(pmaxAt + 8 * i)..]);
            double dmin = v2 ? BinaryPrimitives.ReadDoubleLittleEndian(h[(dminAt + 8 * i)..]) : BinaryPrimitives.ReadInt64LittleEndian(h[(dminAt + 8 * i)..]);
            double dmax = v2 ? BinaryPrimitives.ReadDoubleLittleEndian(h[(dmaxAt + 8 * i)..]) : BinaryPrimitives.ReadInt64LittleEndian(h[(dmaxAt + 8 * i)..]);
            var spr = BinaryPrimitives.ReadUInt32LittleEndian(h[(sprAt + 4 * i)..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(h[(typeAt + 4 * i)..]);
            if (!double.IsFinite(pmin) || !double.IsFinite(pmax))
                throw new PipelineException($"The physical minimum/maximum of signal {number} ('{label}') in '{_path}' are not finite numbers; the header is damaged.");
            if (!double.IsFinite(dmin) || !double.IsFinite(dmax) || dmin == dmax)
                throw new PipelineException($"The digital minimum and maximum of signal {number} ('{label}') in '{_path}' are {dmin} and {dmax}; they must be finite and differ for values to be scaled, so the header is damaged.");
            if (spr > 1 << 24)
                throw new PipelineException($"The samples-per-record field of signal {number} ('{label}') in '{_path}' reads {spr}, beyond any real recording; the header is damaged.");
            if (spr > 0 && !RecordReads.IsPlausibleRate(spr / recordDuration))
                throw new PipelineException($"Signal {number} ('{label}') in '{_path}' has {spr} samples per record of {recordDuration.ToString("G", CultureInfo.InvariantCulture)} s, i.e. {(spr / recordDuration).ToString("G3", CultureInfo.InvariantCulture)} Hz, outside the {RecordReads.MinSampleRate.ToString("G", CultureInfo.InvariantCulture)} to {RecordReads.MaxSampleRate.ToString("G", CultureInfo.InvariantCulture)} Hz of any real device; the record duration field (bytes 244–251) is damaged.");
            var size = type > 255 ? 0 : GdfTypes.Size((int)type);
            if (size == 0 && spr > 0)
                throw new PipelineException($"Signal {number} ('{label}') in '{_path}' stores samples of GDF type code {type}, which this reader does not decode; convert the file with int8–int64, uint8–uint64, float32 or float64 samples.");
            var gain = (pmax - pmin) / (dmax - dmin);
            if (!double.IsFinite(gain) || !double.IsFinite(pmin - gain * dmin))
                throw new PipelineException($"The scaling of signal {number} ('{label}') in '{_path}' (physical {pmin}..{pmax}, digital {dmin}..{dmax}) overflows; the header is damaged.");
            signals[i] = new GdfSignal(i, label, Text(h.Slice(transducerAt + 80 * i, 80)), Text(h.Slice(dimAt + 8 * i, dimWidth)),
                pmin, pmax, dmin, dmax, (int)spr, (int)type, recordDuration, (int)Math.Min(offset, int.MaxValue));
            offset += (long)spr * size;
            if (offset > MaxRecordBytes)
                throw new PipelineException($"One data record of '{_path}' would be over {MaxRecordBytes} bytes long (signal {number} and before); the header is damaged.");
        }
        if (offset == 0)
            throw new PipelineException($"No signal of '{_path}' stores samples (every samples-per-record field is 0); the header is damaged or the file holds only events.");
        recordBytes = (int)offset;
        return signals;
    }

    private static DateTime? ParseStart(ReadOnlySpan<byte> field, bool v2)
    {
        if (v2)
        {
            var raw = BinaryPrimitives.ReadUInt64LittleEndian(field[..8]);
            if (raw == 0) return null;
            // Days since 0000-01-00 (MATLAB datenum) in 32.32 fixed point; datenum 719529 is 1970-01-01.
            var days = (raw >> 32) + (raw & 0xFFFFFFFF) / 4294967296.0 - 719529;
            var ticks = days * TimeSpan.TicksPerDay;
            var epoch = DateTime.UnixEpoch.Ticks;
            if (double.IsNaN(ticks) || ticks < -epoch || ticks > DateTime.MaxValue.Ticks - epoch) return null;
            return new DateTime(epoch + (long)ticks, DateTimeKind.Unspecified);
        }
        // GDF 1 stores "YYYYMMDDhhmmsscc" (cc: centiseconds) as text.
        var text = Encoding.ASCII.GetString(field[..16]);
        if (!DateTime.TryParseExact(text[..14], "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
            return null;
        return int.TryParse(text[14..], NumberStyles.None, CultureInfo.InvariantCulture, out var cc) ? start.AddMilliseconds(cc * 10) : start;
    }

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes).TrimEnd('\0', ' ').Trim();
}
