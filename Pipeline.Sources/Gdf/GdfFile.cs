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
        var header = new GdfHeaderReader(path);
        header.Read((offset, buffer) => PositionalRead.Fully(handle, buffer, offset), length);
        var recordBytes = header.RecordBytes;
        var declared = header.DeclaredRecordCount;

        var warnings = new List<string>();
        var dataBytes = length - header.HeaderBytes;
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
            eventTableAt = header.HeaderBytes + declared * recordBytes;
        }
        if (records > int.MaxValue)
            throw new PipelineException($"'{path}' holds {records} data records, more than {int.MaxValue}; split the recording.");

        var signals = header.Signals;
        var signalRate = signals.Where(s => s.IsData).Select(s => s.SampleRate).DefaultIfEmpty(1 / header.RecordDuration).Max();
        var events = eventTableAt >= 0 && eventTableAt < length
            ? GdfEventTableReader.Read(handle, eventTableAt, length, header.IsVersion2, signalRate, signals, name, warnings)
            : [];

        return new GdfFile(path, handle, header.Version, header.PatientId, header.RecordingId, header.StartDateTime,
            header.HeaderBytes, recordBytes, (int)records, header.RecordDuration, signals, events, warnings);
    }

    private void ReadFullyOrFail(Span<byte> destination, long offset) =>
        PositionalRead.Exactly(_handle, destination, offset, "GDF", Path);
}
