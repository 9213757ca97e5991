using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Pipeline.Core.Signals;
using Pipeline.Sources.IO;

namespace Pipeline.Sources.Edf;

/// <summary>
/// An open EDF, EDF+ or BDF recording: its validated header, its annotations and trigger events, and streaming
/// access to its data records in bounded memory. Times are seconds from the file start, where 0 is the first
/// sample of the first record. Not thread-safe: one reader per instance.
/// </summary>
public sealed class EdfFile : IDisposable
{
    // Reads are batched up to this many bytes so that a block of short records costs one system call.
    private const int MaxBlockBytes = 4 << 20;

    private readonly SafeFileHandle _handle;
    private readonly EdfHeaderReader _header;
    private readonly List<string> _warnings = [];
    private readonly EdfSignal[] _signals;
    private byte[] _block = [];
    private double[]? _recordStarts;
    private List<Marker>? _annotations;
    private readonly double _startOffset;

    private EdfFile(string path, SafeFileHandle handle, EdfHeaderReader header, long fileLength)
    {
        Path = path;
        _handle = handle;
        _header = header;
        _signals = header.Signals;
        Signals = _signals;
        DataSignals = Array.FindAll(_signals, s => s.IsData);
        AnnotationSignals = Array.FindAll(_signals, s => s.IsAnnotation);
        StatusSignal = Array.Find(_signals, s => s.IsStatus);
        RecordCount = CountRecords(fileLength);
        _startOffset = ReadStartOffset();
        StartDateTime = header.HeaderStart.AddTicks((long)Math.Round(_startOffset * TimeSpan.TicksPerSecond));
    }

    /// <summary>The path the file was opened from.</summary>
    public string Path { get; }
    /// <summary>The flavour of the format (EDF, EDF+C, EDF+D, BDF, BDF+C, BDF+D).</summary>
    public EdfFileKind Kind => _header.Kind;
    /// <summary>True for 24-bit BDF files.</summary>
    public bool IsBdf => _header.BytesPerSample == 3;
    /// <summary>True where records may not follow one another (EDF+D/BDF+D).</summary>
    public bool IsDiscontinuous => Kind is EdfFileKind.EdfPlusDiscontinuous or EdfFileKind.BdfPlusDiscontinuous;
    /// <summary>The local patient identification field.</summary>
    public string PatientId => _header.PatientId;
    /// <summary>The local recording identification field.</summary>
    public string RecordingId => _header.RecordingId;
    /// <summary>When the first sample was taken: the header's date and time plus the EDF+ subsecond start.</summary>
    public DateTime StartDateTime { get; }
    /// <summary>The EDF+ subsecond start: the first record's time-keeping onset, in seconds (0 for plain EDF/BDF).</summary>
    public double StartOffsetSeconds => _startOffset;
    /// <summary>The number of whole data records that can be read.</summary>
    public int RecordCount { get; }
    /// <summary>The duration of one data record in seconds.</summary>
    public double RecordDuration => _header.RecordDuration;
    /// <summary>Seconds from the file start to the end of the last record.</summary>
    public double Duration => RecordCount == 0 ? 0 : RecordStartTime(RecordCount - 1) + RecordDuration;
    /// <summary>All signals in header order, annotation and status signals included.</summary>
    public IReadOnlyList<EdfSignal> Signals { get; }
    /// <summary>The signals that hold measured values (neither annotations nor the BDF trigger channel).</summary>
    public IReadOnlyList<EdfSignal> DataSignals { get; }
    /// <summary>The EDF+/BDF+ annotation signals.</summary>
    public IReadOnlyList<EdfSignal> AnnotationSignals { get; }
    /// <summary>The BDF <c>Status</c> trigger signal, or null where the file has none.</summary>
    public EdfSignal? StatusSignal { get; }
    /// <summary>What was odd but readable (a partial last record, a record count that disagrees with the file size, unreadable annotations).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Opens and validates an EDF/EDF+/BDF file; every fault a user can cause is a <see cref="PipelineException"/>.</summary>
    public static EdfFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PipelineException($"The EDF file '{path}' does not exist; check the path.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new PipelineException($"The EDF file '{path}' could not be opened ({e.Message}); check the path and its permissions.", e);
        }
        try
        {
            var length = RandomAccess.GetLength(handle);
            var header = new EdfHeaderReader(path);
            header.Read((offset, buffer) => PositionalRead.Fully(handle, buffer, offset), length);
            return new EdfFile(path, handle, header, length);
        }
        catch (PipelineException)
        {
            handle.Dispose();
            throw;
        }
        catch (IOException e)
        {
            handle.Dispose();
            throw new PipelineException($"The EDF file '{path}' could not be read ({e.Message}); check the disk and the file.", e);
        }
    }

    /// <summary>Groups the data signals by samples per record (hence by rate), in header order: each group can become one multi-channel stream.</summary>
    public IReadOnlyList<IReadOnlyList<EdfSignal>> RateGroups() => RecordReads.GroupBySamplesPerRecord(DataSignals, static s => s.SamplesPerRecord);

    /// <summary>Seconds from the file start to the first sample of record <paramref name="record"/> (EDF+D: from its time-keeping annotation).</summary>
    public double RecordStartTime(int record)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(record);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(record, RecordCount);
        if (!IsDiscontinuous) return record * RecordDuration;
        EnsureAnnotations();
        return _recordStarts![record];
    }

    /// <summary>
    /// Reads up to <paramref name="recordCount"/> records from <paramref name="firstRecord"/> for the given signals
    /// (which must share one samples-per-record count) into <paramref name="destination"/>, frame-major: sample s of
    /// record r for the c-th listed signal lands at <c>((r − firstRecord) × samplesPerRecord + s) × signals.Length + c</c>.
    /// Values are physical (scaled by the header's calibration). Returns the number of records read (fewer at the
    /// end of the file). Allocates nothing once its read buffer has grown to the block size.
    /// </summary>
    public int ReadRecords(int firstRecord, int recordCount, ReadOnlySpan<int> signals, Span<float> destination)
    {
        var (records, spr) = RecordReads.Check(_signals, RecordCount, firstRecord, recordCount, signals, destination.Length,
            static s => s.SamplesPerRecord, static (s, i) => s.IsAnnotation ? $"Signal {i} ('{s.Label}') holds annotations, not samples." : null);
        var channels = signals.Length;

        var recordBytes = _header.RecordBytes;
        var perBlock = Math.Max(1, MaxBlockBytes / recordBytes);
        var done = 0;
        while (done < records)
        {
            var n = Math.Min(perBlock, records - done);
            var bytes = n * recordBytes;
            if (_block.Length < bytes) _block = new byte[Math.Min(perBlock, records) * recordBytes];
            var block = _block.AsSpan(0, bytes);
            ReadRecordBytes(firstRecord + done, block);
            for (var r = 0; r < n; r++)
            {
                var record = block.Slice(r * recordBytes, recordBytes);
                var frames = destination[((done + r) * spr * channels)..];
                for (var c = 0; c < channels; c++)
                    Decode(record, _signals[signals[c]], frames, c, channels);
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

    /// <summary>The EDF+/BDF+ annotations (time-keeping annotations left out), in file order, overlapping ones kept.</summary>
    public IReadOnlyList<Marker> ReadAnnotations()
    {
        EnsureAnnotations();
        return _annotations!;
    }

    /// <summary>
    /// Trigger events of the BDF <c>Status</c> signal: one marker per rising edge (an increase) of its low 16 bits,
    /// with the new value as decimal text; the first sample is the baseline. Empty where there is no Status signal.
    /// </summary>
    public IReadOnlyList<Marker> ReadStatusEvents()
    {
        var events = new List<Marker>();
        if (StatusSignal is not { } status || RecordCount == 0) return events;
        var spr = status.SamplesPerRecord;
        var recordBytes = _header.RecordBytes;
        var buffer = new byte[spr * _header.BytesPerSample];
        var previous = -1;
        for (var r = 0; r < RecordCount; r++)
        {
            ReadFullyOrFail(buffer, _header.HeaderBytes + (long)r * recordBytes + status.ByteOffset);
            var start = RecordStartTime(r);
            for (var s = 0; s < spr; s++)
            {
                var low = ReadDigital(buffer, s) & 0xFFFF;
                if (previous >= 0 && low > previous)
                    events.Add(new Marker(start + s / status.SampleRate, low.ToString(CultureInfo.InvariantCulture), 0, status.Label));
                previous = low;
            }
        }
        return events;
    }

    /// <summary>All events of the file: annotations and Status trigger events, ordered by time.</summary>
    public IReadOnlyList<Marker> ReadMarkers()
    {
        var all = new List<Marker>(ReadAnnotations());
        all.AddRange(ReadStatusEvents());
        // A stable sort keeps the file order of simultaneous events.
        return [.. all.OrderBy(m => m.Timestamp)];
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private int CountRecords(long fileLength)
    {
        var recordBytes = _header.RecordBytes;
        var dataBytes = fileLength - _header.HeaderBytes;
        var whole = dataBytes / recordBytes;
        var declared = _header.DeclaredRecordCount;
        var name = System.IO.Path.GetFileName(Path);
        if (declared == -1)
        {
            if (dataBytes % recordBytes != 0)
                _warnings.Add($"'{name}' ends with a partial data record: {dataBytes % recordBytes} bytes after the last whole record were ignored.");
            return (int)Math.Min(whole, int.MaxValue);
        }
        if (whole < declared)
        {
            _warnings.Add($"'{name}' declares {declared} data records but holds {whole} whole ones; the file is truncated and only those were read.");
            if (dataBytes % recordBytes != 0)
                _warnings.Add($"'{name}' ends with a partial data record: {dataBytes % recordBytes} bytes after the last whole record were ignored.");
            return (int)whole;
        }
        if (dataBytes > (long)declared * recordBytes)
            _warnings.Add($"'{name}' has {dataBytes - (long)declared * recordBytes} bytes after its {declared} declared data records; they were ignored.");
        return declared;
    }

    private double ReadStartOffset()
    {
        if (AnnotationSignals.Count == 0 || RecordCount == 0) return 0;
        var annotations = new List<EdfAnnotationParser.Annotation>();
        var malformed = 0;
        string? first = null;
        var buffer = new byte[AnnotationSignals[0].SamplesPerRecord * _header.BytesPerSample];
        ReadFullyOrFail(buffer, _header.HeaderBytes + AnnotationSignals[0].ByteOffset);
        return EdfAnnotationParser.Parse(buffer, annotations, ref malformed, ref first) ?? 0;
    }

    private void EnsureAnnotations()
    {
        if (_annotations is not null) return;
        var parsed = new List<EdfAnnotationParser.Annotation>();
        var starts = IsDiscontinuous ? new double[RecordCount] : null;
        var malformed = 0;
        string? firstMalformed = null;
        var missingTimeKeeping = -1;
        // Buffers only where records exist: an empty file's header may declare any record size.
        var buffers = new byte[RecordCount == 0 ? 0 : AnnotationSignals.Count][];
        for (var a = 0; a < buffers.Length; a++)
            buffers[a] = new byte[AnnotationSignals[a].SamplesPerRecord * _header.BytesPerSample];
        for (var r = 0; r < RecordCount; r++)
        {
            double? timeKeeping = null;
            for (var a = 0; a < AnnotationSignals.Count; a++)
            {
                ReadFullyOrFail(buffers[a], _header.HeaderBytes + (long)r * _header.RecordBytes + AnnotationSignals[a].ByteOffset);
                var onset = EdfAnnotationParser.Parse(buffers[a], parsed, ref malformed, ref firstMalformed);
                // Only the first annotation signal keeps time; the others' time-keeping TALs are redundant.
                if (a == 0) timeKeeping = onset;
            }
            if (starts is not null)
            {
                if (timeKeeping is { } t) starts[r] = t - _startOffset;
                else if (missingTimeKeeping < 0) missingTimeKeeping = r;
            }
        }
        if (missingTimeKeeping >= 0)
            throw new PipelineException($"Data record {missingTimeKeeping + 1} of the EDF+D file '{Path}' has no time-keeping annotation, so its start time is unknown; the file is damaged.");
        if (malformed > 0)
            _warnings.Add($"{malformed} annotation list(s) in '{System.IO.Path.GetFileName(Path)}' could not be read and were skipped (the first reads '{firstMalformed}': an onset and duration must be numbers of seconds within ±{EdfAnnotationParser.MaxSeconds:G}).");
        _recordStarts = starts;
        _annotations = parsed.ConvertAll(p => new Marker(p.Onset - _startOffset, p.Text, p.Duration, AnnotationSignals[0].Label));
    }

    private void Decode(ReadOnlySpan<byte> record, EdfSignal signal, Span<float> frames, int channel, int stride)
    {
        var spr = signal.SamplesPerRecord;
        var gain = signal.Gain;
        var dmin = (double)signal.DigitalMinimum;
        var pmin = signal.PhysicalMinimum;
        if (_header.BytesPerSample == 2)
        {
            var bytes = record.Slice(signal.ByteOffset, spr * 2);
            for (var s = 0; s < spr; s++)
            {
                var d = (short)(bytes[2 * s] | (bytes[2 * s + 1] << 8));
                frames[s * stride + channel] = (float)((d - dmin) * gain + pmin);
            }
        }
        else
        {
            var bytes = record.Slice(signal.ByteOffset, spr * 3);
            for (var s = 0; s < spr; s++)
            {
                var d = ReadDigital(bytes, s);
                frames[s * stride + channel] = (float)((d - dmin) * gain + pmin);
            }
        }
    }

    private int ReadDigital(ReadOnlySpan<byte> bytes, int sample)
    {
        if (_header.BytesPerSample == 2) return (short)(bytes[2 * sample] | (bytes[2 * sample + 1] << 8));
        var o = 3 * sample;
        // Shift the 24-bit value to the top and back so that its sign bit extends.
        return ((bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16)) << 8) >> 8;
    }

    private void ReadRecordBytes(int firstRecord, Span<byte> destination) =>
        ReadFullyOrFail(destination, _header.HeaderBytes + (long)firstRecord * _header.RecordBytes);

    private void ReadFullyOrFail(Span<byte> destination, long offset) =>
        PositionalRead.Exactly(_handle, destination, offset, "EDF", Path);
}
