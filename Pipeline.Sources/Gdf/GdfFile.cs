using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Pipeline.Core.Signals;
using Pipeline.Sources.IO;

namespace Pipeline.Sources.Gdf;

/// <summary>
/// An open GDF 1.x or 2.x recording (General Data Format for biosignals): its validated header, its event table
/// and streaming access to its data records in bounded memory. Times are seconds from the file start, where 0 is
/// the first sample of the first record. Not thread-safe: one reader per instance.
/// </summary>
/// <remarks>
/// Fields relied on (little-endian; checked against BioSig's sample.gdf, GDF 1.25, and MNE's test_1ch.gdf, GDF 2.10):
/// fixed header: 0 "GDF x.yy"; 8 patient id; 88 recording id (GDF 1: 80 bytes, GDF 2: 64); 168 start (GDF 1:
/// "YYYYMMDDhhmmsscc" text, GDF 2: uint64 days since year 0 in 32.32 fixed point); 184 header length (GDF 1:
/// int64 bytes, GDF 2: uint16 256-byte blocks, header 3 tag-length-values skipped); 236 int64 record count (−1
/// unknown); 244 uint32 numerator and 248 uint32 denominator of the record duration in seconds; 252 signal count
/// (GDF 1 uint32, GDF 2 uint16). Signal header, field-major like EDF: label 16, transducer 80, dimension (GDF 1: 8;
/// GDF 2: 6 + uint16 code), float64 physical min/max, digital min/max (GDF 1 int64, GDF 2 float64), prefilter
/// (GDF 1: 80; GDF 2: 68 + 3 float32), uint32 samples per record, uint32 type code, then reserved/positions.
/// Records hold each signal's samples in turn. The event table follows the declared records: byte 0 mode (1 or 3);
/// GDF 1: bytes 1–3 uint24 event rate (0: the signal rate), 4–7 uint32 count; GDF 2: 1–3 uint24 count, 4–7 float32
/// rate; then uint32 positions (1-based samples) and uint16 types, and for mode 3 uint16 channels and uint32 durations.
/// </remarks>
public sealed class GdfFile : IDisposable
{
    // Reads are batched up to this many bytes so that a block of short records costs one system call.
    private const int MaxBlockBytes = 4 << 20;
    // Bounds the header that is read in one piece (GDF 2 allows 65535 signals; GDF 1 counts would be absurd beyond).
    private const int MaxSignals = 65535;

    private readonly SafeFileHandle _handle;
    private readonly GdfSignal[] _signals;
    private readonly List<string> _warnings;
    private byte[] _block = [];

    private GdfFile(string path, SafeFileHandle handle, string version, string patientId, string recordingId,
        DateTime? start, long headerBytes, int recordBytes, int recordCount, double recordDuration, GdfSignal[] signals,
        IReadOnlyList<Marker> events, List<string> warnings)
    {
        Path = path;
        _handle = handle;
        Version = version;
        PatientId = patientId;
        RecordingId = recordingId;
        StartDateTime = start;
        HeaderBytes = headerBytes;
        RecordBytes = recordBytes;
        RecordCount = recordCount;
        RecordDuration = recordDuration;
        _signals = signals;
        Signals = signals;
        DataSignals = Array.FindAll(signals, s => s.IsData);
        Events = events;
        _warnings = warnings;
    }

    /// <summary>The path the file was opened from.</summary>
    public string Path { get; }
    /// <summary>The version field without its "GDF " prefix, e.g. <c>1.25</c> or <c>2.10</c>.</summary>
    public string Version { get; }
    /// <summary>The patient identification field, trimmed.</summary>
    public string PatientId { get; }
    /// <summary>The recording identification field, trimmed.</summary>
    public string RecordingId { get; }
    /// <summary>When the first sample was taken, or null where the header leaves it empty or unreadable.</summary>
    public DateTime? StartDateTime { get; }
    /// <summary>Bytes before the first data record (fixed, signal and GDF 2 tag headers).</summary>
    public long HeaderBytes { get; }
    /// <summary>Bytes of one data record.</summary>
    public int RecordBytes { get; }
    /// <summary>The number of whole data records that can be read.</summary>
    public int RecordCount { get; }
    /// <summary>The duration of one data record in seconds.</summary>
    public double RecordDuration { get; }
    /// <summary>Seconds from the file start to the end of the last record.</summary>
    public double Duration => RecordCount * RecordDuration;
    /// <summary>All signals in header order.</summary>
    public IReadOnlyList<GdfSignal> Signals { get; }
    /// <summary>The signals that store samples (samples per record above 0).</summary>
    public IReadOnlyList<GdfSignal> DataSignals { get; }
    /// <summary>The event table as markers ordered by time: text is the event type code in decimal (e.g. <c>769</c>).</summary>
    public IReadOnlyList<Marker> Events { get; }
    /// <summary>What was odd but readable (a truncated file, an unreadable event table).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Opens and validates a GDF file; every fault a user can cause is a <see cref="PipelineException"/>.</summary>
    public static GdfFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PipelineException($"The GDF file '{path}' does not exist; check the path.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new PipelineException($"The GDF file '{path}' could not be opened ({e.Message}); check the path and its permissions.", e);
        }
        try
        {
            return Read(path, handle);
        }
        catch (PipelineException)
        {
            handle.Dispose();
            throw;
        }
        catch (IOException e)
        {
            handle.Dispose();
            throw new PipelineException($"The GDF file '{path}' could not be read ({e.Message}); check the disk and the file.", e);
        }
    }

    /// <summary>Groups the data signals by sample rate, in header order: each group can become one multi-channel stream.</summary>
    public IReadOnlyList<IReadOnlyList<GdfSignal>> RateGroups() => RecordReads.GroupBySamplesPerRecord(DataSignals, static s => s.SamplesPerRecord);

    /// <summary>
    /// Reads up to <paramref name="recordCount"/> records from <paramref name="firstRecord"/> for the given signals
    /// (which must share one samples-per-record count) into <paramref name="destination"/>, frame-major: sample s of
    /// record r for the c-th listed signal lands at <c>((r − firstRecord) × samplesPerRecord + s) × signals.Length + c</c>.
    /// Values are physical. Returns the number of records read (fewer at the end of the file). Allocates nothing once
    /// its read buffer has grown to the block size.
    /// </summary>
    public int ReadRecords(int firstRecord, int recordCount, ReadOnlySpan<int> signals, Span<float> destination)
    {
        var (records, spr) = RecordReads.Check(_signals, RecordCount, firstRecord, recordCount, signals, destination.Length,
            static s => s.SamplesPerRecord, static (s, i) => s.IsData ? null : $"Signal {i} ('{s.Label}') stores no samples.");
        var channels = signals.Length;

        var perBlock = Math.Max(1, MaxBlockBytes / RecordBytes);
        var done = 0;
        while (done < records)
        {
            var n = Math.Min(perBlock, records - done);
            var bytes = n * RecordBytes;
            if (_block.Length < bytes) _block = new byte[Math.Min(perBlock, records) * RecordBytes];
            var block = _block.AsSpan(0, bytes);
            ReadFullyOrFail(block, HeaderBytes + (long)(firstRecord + done) * RecordBytes);
            for (var r = 0; r < n; r++)
            {
                var record = block.Slice(r * RecordBytes, RecordBytes);
                var frames = destination[((done + r) * spr * channels)..];
                for (var c = 0; c < channels; c++)
                {
                    var signal = _signals[signals[c]];
                    GdfTypes.Decode(record.Slice(signal.ByteOffset, spr * signal.BytesPerSample), signal.TypeCode, spr,
                        signal.Gain, signal.Offset, frames, c, channels);
                }
            }
            done += n;
        }
        return records;
    }

    /// <summary>Reads one signal's physical values over the whole file (convenience for small files and tests).</summary>
    public float[] ReadSignal(int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(signal);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(signal, _signals.Length);
        var values = new float[(long)RecordCount * _signals[signal].SamplesPerRecord];
        ReadRecords(0, RecordCount, [signal], values);
        return values;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private static GdfFile Read(string path, SafeFileHandle handle)
    {
        var length = RandomAccess.GetLength(handle);
        var name = System.IO.Path.GetFileName(path);
        if (length < 256)
            throw new PipelineException($"The GDF file '{path}' is {length} bytes long, shorter than its 256-byte fixed header; the file is truncated.");
        var fixedHeader = new byte[256];
        PositionalRead.Fully(handle, fixedHeader, 0);
        var h = fixedHeader.AsSpan();
        var versionText = Encoding.ASCII.GetString(h[4..8]);
        if (!h.StartsWith("GDF "u8) || !double.TryParse(versionText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var version)
            || version < 1 || version >= 3)
            throw new PipelineException($"The version field of '{path}' reads '{Text(h[..8])}', not 'GDF 1.xx' or 'GDF 2.xx'; only GDF 1 and 2 files can be read.");
        var v2 = version >= 2;

        var ns = v2 ? BinaryPrimitives.ReadUInt16LittleEndian(h[252..]) : (long)BinaryPrimitives.ReadUInt32LittleEndian(h[252..]);
        if (ns is 0 or > MaxSignals)
            throw new PipelineException($"The signal count field (byte 252) of '{path}' reads {ns}; it must be between 1 and {MaxSignals}, so the header is damaged.");
        var headerBytes = v2 ? BinaryPrimitives.ReadUInt16LittleEndian(h[184..]) * 256L : BinaryPrimitives.ReadInt64LittleEndian(h[184..]);
        var minimum = 256 * (ns + 1);
        if (headerBytes < minimum)
            throw new PipelineException($"The header length field (byte 184) of '{path}' gives {headerBytes} bytes, less than the {minimum} that {ns} signals need; the header is damaged.");
        if (headerBytes > length)
            throw new PipelineException($"The header length field (byte 184) of '{path}' gives {headerBytes} bytes but the file holds {length}; the file is truncated or its header is damaged.");

        var declared = BinaryPrimitives.ReadInt64LittleEndian(h[236..]);
        if (declared < -1)
            throw new PipelineException($"The record count field (byte 236) of '{path}' reads {declared}; it must be −1 (unknown) or a count, so the header is damaged.");
        var numerator = BinaryPrimitives.ReadUInt32LittleEndian(h[244..]);
        var denominator = BinaryPrimitives.ReadUInt32LittleEndian(h[248..]);
        if (numerator == 0 || denominator == 0)
            throw new PipelineException($"The record duration field (bytes 244–251) of '{path}' reads {numerator}/{denominator} s; both parts must be positive, so the header is damaged.");
        var recordDuration = (double)numerator / denominator;

        var signalHeader = new byte[256 * ns];
        PositionalRead.Fully(handle, signalHeader, 256);
        var signals = ParseSignals(path, signalHeader, (int)ns, v2, recordDuration, out var recordBytes);

        var warnings = new List<string>();
        var dataBytes = length - headerBytes;
        var whole = dataBytes / recordBytes;
        long records;
        var eventTableAt = -1L;
        if (declared == -1)
        {
            records = whole;
            warnings.Add($"'{name}' does not declare its record count; {whole} records were read and its event table (if any) was ignored.");
        }
        else if (whole < declared)
        {
            records = whole;
            warnings.Add($"'{name}' declares {declared} data records but holds {whole} whole ones; the file is truncated, only those were read and its events were lost.");
        }
        else
        {
            records = declared;
            eventTableAt = headerBytes + declared * recordBytes;
        }
        if (records > int.MaxValue)
            throw new PipelineException($"'{path}' holds {records} data records, more than {int.MaxValue}; split the recording.");

        var signalRate = signals.Where(s => s.IsData).Select(s => s.SampleRate).DefaultIfEmpty(1 / recordDuration).Max();
        var events = eventTableAt >= 0 && eventTableAt < length
            ? ReadEvents(handle, eventTableAt, length, v2, signalRate, signals, name, warnings)
            : [];

        return new GdfFile(path, handle, versionText, Text(h.Slice(8, v2 ? 66 : 80)), Text(h.Slice(88, v2 ? 64 : 80)),
            ParseStart(h[168..184], v2), headerBytes, recordBytes, (int)records, recordDuration, signals, events, warnings);
    }

    private static GdfSignal[] ParseSignals(string path, byte[] header, int ns, bool v2, double recordDuration, out int recordBytes)
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
                throw new PipelineException($"The physical minimum/maximum of signal {number} ('{label}') in '{path}' are not finite numbers; the header is damaged.");
            if (!double.IsFinite(dmin) || !double.IsFinite(dmax) || dmin == dmax)
                throw new PipelineException($"The digital minimum and maximum of signal {number} ('{label}') in '{path}' are {dmin} and {dmax}; they must be finite and differ for values to be scaled, so the header is damaged.");
            if (spr > 1 << 24)
                throw new PipelineException($"The samples-per-record field of signal {number} ('{label}') in '{path}' reads {spr}, beyond any real recording; the header is damaged.");
            var size = type > 255 ? 0 : GdfTypes.Size((int)type);
            if (size == 0 && spr > 0)
                throw new PipelineException($"Signal {number} ('{label}') in '{path}' stores samples of GDF type code {type}, which this reader does not decode; convert the file with int8–int64, uint8–uint64, float32 or float64 samples.");
            var gain = (pmax - pmin) / (dmax - dmin);
            if (!double.IsFinite(gain) || !double.IsFinite(pmin - gain * dmin))
                throw new PipelineException($"The scaling of signal {number} ('{label}') in '{path}' (physical {pmin}..{pmax}, digital {dmin}..{dmax}) overflows; the header is damaged.");
            signals[i] = new GdfSignal(i, label, Text(h.Slice(transducerAt + 80 * i, 80)), Text(h.Slice(dimAt + 8 * i, dimWidth)),
                pmin, pmax, dmin, dmax, (int)spr, (int)type, recordDuration, (int)Math.Min(offset, int.MaxValue));
            offset += (long)spr * size;
            if (offset > MaxBlockBytes * 16L)
                throw new PipelineException($"One data record of '{path}' would be over {MaxBlockBytes * 16L} bytes long (signal {number} and before); the header is damaged.");
        }
        if (offset == 0)
            throw new PipelineException($"No signal of '{path}' stores samples (every samples-per-record field is 0); the header is damaged or the file holds only events.");
        recordBytes = (int)offset;
        return signals;
    }

    private static List<Marker> ReadEvents(SafeFileHandle handle, long at, long length, bool v2, double signalRate,
        GdfSignal[] signals, string name, List<string> warnings)
    {
        var markers = new List<Marker>();
        if (length - at < 8)
        {
            warnings.Add($"'{name}' has {length - at} bytes after its data records, too few for an event table header; they were ignored.");
            return markers;
        }
        Span<byte> head = stackalloc byte[8];
        PositionalRead.Fully(handle, head, at);
        var mode = head[0];
        var uint24 = head[1] | (head[2] << 8) | (head[3] << 16);
        long count;
        double rate;
        if (v2)
        {
            count = uint24;
            rate = BinaryPrimitives.ReadSingleLittleEndian(head[4..]);
        }
        else
        {
            rate = uint24;
            count = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
        }
        if (!double.IsFinite(rate) || rate <= 0) rate = signalRate;
        if (mode is not (1 or 3))
        {
            warnings.Add($"The event table of '{name}' has mode {mode}, not 1 or 3; its events were ignored.");
            return markers;
        }
        var entryBytes = mode == 3 ? 12 : 6;
        if (count * entryBytes > length - at - 8 || count * entryBytes > int.MaxValue)
        {
            warnings.Add($"The event table of '{name}' declares {count} events but the file ends before them; its events were ignored.");
            return markers;
        }
        var n = (int)count;
        var table = new byte[n * entryBytes];
        PositionalRead.Fully(handle, table, at + 8);
        var t = table.AsSpan();
        for (var k = 0; k < n; k++)
        {
            var position = BinaryPrimitives.ReadUInt32LittleEndian(t[(4 * k)..]);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(t[(4 * n + 2 * k)..]);
            var channel = mode == 3 ? BinaryPrimitives.ReadUInt16LittleEndian(t[(6 * n + 2 * k)..]) : 0;
            var duration = mode == 3 ? BinaryPrimitives.ReadUInt32LittleEndian(t[(8 * n + 4 * k)..]) : 0u;
            // Positions count samples from 1; a 0 (seen in some writers) is taken as the first sample.
            var time = (Math.Max(position, 1u) - 1) / rate;
            var stream = channel >= 1 && channel <= signals.Length ? signals[channel - 1].Label : "GDF events";
            markers.Add(new Marker(time, type.ToString(CultureInfo.InvariantCulture), duration / rate, stream));
        }
        // A stable sort keeps the file order of simultaneous events.
        return [.. markers.OrderBy(m => m.Timestamp)];
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

    private void ReadFullyOrFail(Span<byte> destination, long offset) =>
        PositionalRead.Exactly(_handle, destination, offset, "GDF", Path);
}
