using System.Globalization;
using System.Text;
using Pipeline.Core.Signals;

namespace Pipeline.Sources.Edf;

/// <summary>Parses and validates the fixed and per-signal header of an EDF/BDF file; every fault becomes a one-sentence PipelineException.</summary>
internal sealed class EdfHeaderReader
{
    private const int FixedHeaderBytes = 256;
    private const int SignalHeaderBytes = 256;

    private readonly string _path;
    private string _format = "EDF";

    internal EdfHeaderReader(string path) => _path = path;

    internal EdfFileKind Kind { get; private set; }
    internal string PatientId { get; private set; } = "";
    internal string RecordingId { get; private set; } = "";
    internal DateTime HeaderStart { get; private set; }
    internal int HeaderBytes { get; private set; }
    internal int DeclaredRecordCount { get; private set; }
    internal double RecordDuration { get; private set; }
    internal int BytesPerSample { get; private set; }
    internal int RecordBytes { get; private set; }
    internal EdfSignal[] Signals { get; private set; } = [];

    /// <summary>Reads the whole header from the start of the file whose total length is <paramref name="fileLength"/>.</summary>
    internal void Read(Func<long, Span<byte>, int> readAt, long fileLength)
    {
        Span<byte> fixedHeader = stackalloc byte[FixedHeaderBytes];
        var got = readAt(0, fixedHeader);
        if (got >= 3 && fixedHeader[0] == (byte)'G' && fixedHeader[1] == (byte)'D' && fixedHeader[2] == (byte)'F')
            throw Fail($"'{_path}' is a GDF file, which is not supported; convert it to EDF or XDF (e.g. with MNE or BioSig) and open that instead.");
        if (got < FixedHeaderBytes)
            throw Fail($"'{_path}' is not an EDF or BDF file: it holds {got} bytes, fewer than the 256-byte header; check that the file is complete.");

        ReadVersion(fixedHeader);
        PatientId = Text(fixedHeader.Slice(8, 80));
        RecordingId = Text(fixedHeader.Slice(88, 80));
        var reserved = Text(fixedHeader.Slice(192, 44));
        Kind = ParseKind(reserved);

        var signalCount = ParseInt(fixedHeader.Slice(252, 4), "number of signals");
        if (signalCount <= 0)
            throw Fail($"The {_format} header field 'number of signals' in '{_path}' is {signalCount}, but a file needs at least one signal; the file header is damaged.");
        if ((fileLength - FixedHeaderBytes) / SignalHeaderBytes < signalCount)
            throw Fail($"The {_format} header of '{_path}' declares {signalCount} signals, but the file is too short ({fileLength} bytes) to hold their headers; the file is truncated or its header is damaged.");
        HeaderBytes = ParseInt(fixedHeader.Slice(184, 8), "number of bytes in header");
        var expectedHeaderBytes = FixedHeaderBytes + SignalHeaderBytes * signalCount;
        if (HeaderBytes != expectedHeaderBytes)
            throw Fail($"The {_format} header field 'number of bytes in header' in '{_path}' is {HeaderBytes}, but {signalCount} signals need 256 + 256 x {signalCount} = {expectedHeaderBytes}; the file header is damaged.");
        DeclaredRecordCount = ParseInt(fixedHeader.Slice(236, 8), "number of data records");
        if (DeclaredRecordCount < -1)
            throw Fail($"The {_format} header field 'number of data records' in '{_path}' is {DeclaredRecordCount}; only -1 (unknown) or a count of zero or more is valid, so the file header is damaged.");
        RecordDuration = ParseDouble(fixedHeader.Slice(244, 8), "duration of a data record", -1, "");
        if (RecordDuration < 0 || double.IsInfinity(RecordDuration))
            throw Fail($"The {_format} header field 'duration of a data record' in '{_path}' is {RecordDuration.ToString(CultureInfo.InvariantCulture)}, not a finite number of seconds of zero or more; the file header is damaged.");
        HeaderStart = ParseStart(fixedHeader.Slice(168, 8), fixedHeader.Slice(176, 8));

        var signalHeader = new byte[SignalHeaderBytes * signalCount];
        if (readAt(FixedHeaderBytes, signalHeader) < signalHeader.Length)
            throw Fail($"The {_format} signal headers of '{_path}' end early; the file is truncated.");
        Signals = ParseSignals(signalHeader, signalCount);
    }

    private void ReadVersion(ReadOnlySpan<byte> header)
    {
        if (header[0] == 0xFF && header.Slice(1, 7).SequenceEqual("BIOSEMI"u8))
        {
            _format = "BDF";
            BytesPerSample = 3;
            return;
        }
        var version = Text(header[..8]);
        if (version != "0")
            throw Fail($"'{_path}' is not an EDF or BDF file: its version field is '{Printable(header[..8])}' where EDF has '0' and BDF has 0xFF 'BIOSEMI'; check that this is the recording you meant.");
        BytesPerSample = 2;
    }

    private EdfFileKind ParseKind(string reserved)
    {
        var bdf = BytesPerSample == 3;
        if (reserved.StartsWith("EDF+C", StringComparison.Ordinal) || reserved.StartsWith("BDF+C", StringComparison.Ordinal))
            return bdf ? EdfFileKind.BdfPlusContinuous : EdfFileKind.EdfPlusContinuous;
        if (reserved.StartsWith("EDF+D", StringComparison.Ordinal) || reserved.StartsWith("BDF+D", StringComparison.Ordinal))
            return bdf ? EdfFileKind.BdfPlusDiscontinuous : EdfFileKind.EdfPlusDiscontinuous;
        return bdf ? EdfFileKind.Bdf : EdfFileKind.Edf;
    }

    private EdfSignal[] ParseSignals(byte[] h, int ns)
    {
        // Fields are stored field-major: all labels, then all transducers, and so on.
        var offset = 0;
        ReadOnlySpan<byte> Field(int index, int width, int fieldStart) => h.AsSpan(fieldStart + index * width, width);
        int Next(int width) { var start = offset; offset += width * ns; return start; }
        int labels = Next(16), transducers = Next(80), dims = Next(8), pmins = Next(8), pmaxs = Next(8),
            dmins = Next(8), dmaxs = Next(8), prefilters = Next(80), sprs = Next(8);

        var signals = new EdfSignal[ns];
        long recordBytes = 0;
        var hasData = false;
        for (var i = 0; i < ns; i++)
        {
            var label = Text(Field(i, 16, labels));
            var isAnnotation = label is "EDF Annotations" or "BDF Annotations";
            var isStatus = BytesPerSample == 3 && label.Equals("Status", StringComparison.OrdinalIgnoreCase) && !isAnnotation;
            var spr = ParseInt(Field(i, 8, sprs), "number of samples in each data record", i, label);
            if (spr <= 0)
                throw Fail($"The {_format} header field 'number of samples in each data record' of signal {i + 1} ('{label}') in '{_path}' is {spr}, but it must be at least 1; the file header is damaged.");
            if (!isAnnotation && RecordDuration > 0 && !IO.RecordReads.IsPlausibleRate(spr / RecordDuration))
                throw Fail($"The {_format} header of '{_path}' gives signal {i + 1} ('{label}') {spr} samples per data record of {RecordDuration.ToString("G", CultureInfo.InvariantCulture)} s, i.e. {(spr / RecordDuration).ToString("G3", CultureInfo.InvariantCulture)} Hz, outside the {IO.RecordReads.MinSampleRate.ToString("G", CultureInfo.InvariantCulture)} to {IO.RecordReads.MaxSampleRate.ToString("G", CultureInfo.InvariantCulture)} Hz of any real device; the field 'duration of a data record' is damaged.");
            double pmin = 0, pmax = 1;
            int dmin = 0, dmax = 1;
            // Annotation signals hold text, so their calibration fields are meaningless and often blank.
            if (!isAnnotation)
            {
                pmin = ParseDouble(Field(i, 8, pmins), "physical minimum", i, label);
                pmax = ParseDouble(Field(i, 8, pmaxs), "physical maximum", i, label);
                dmin = ParseInt(Field(i, 8, dmins), "digital minimum", i, label);
                dmax = ParseInt(Field(i, 8, dmaxs), "digital maximum", i, label);
                if (dmax <= dmin)
                    throw Fail($"The {_format} header of '{_path}' gives signal {i + 1} ('{label}') a digital maximum ({dmax}) that is not above its digital minimum ({dmin}), so its values cannot be scaled; the file header is damaged.");
                if (pmin == pmax)
                    throw Fail($"The {_format} header of '{_path}' gives signal {i + 1} ('{label}') equal physical minimum and maximum ({pmin.ToString(CultureInfo.InvariantCulture)}), so its values cannot be scaled; the file header is damaged.");
            }
            hasData |= !isAnnotation;
            signals[i] = new EdfSignal(i, label, Text(Field(i, 80, transducers)), Text(Field(i, 8, dims)), pmin, pmax,
                dmin, dmax, Text(Field(i, 80, prefilters)), spr, RecordDuration, isAnnotation, isStatus,
                checked((int)Math.Min(recordBytes, int.MaxValue)));
            recordBytes += (long)spr * BytesPerSample;
        }
        if (recordBytes > int.MaxValue / 2)
            throw Fail($"The {_format} header of '{_path}' describes data records of {recordBytes} bytes, too large to be real; the file header is damaged.");
        RecordBytes = (int)recordBytes;
        if (hasData && RecordDuration <= 0)
            throw Fail($"The {_format} header field 'duration of a data record' in '{_path}' is 0, but the file has signals with samples, so no sampling rate can be derived; the file header is damaged.");
        return signals;
    }

    private DateTime ParseStart(ReadOnlySpan<byte> date, ReadOnlySpan<byte> time)
    {
        var dateText = Text(date);
        var timeText = Text(time);
        if (!TryThreeNumbers(dateText, out var day, out var month, out var yy))
            throw Fail($"The {_format} header field 'start date' in '{_path}' is '{Printable(date)}', not dd.mm.yy; the file header is damaged.");
        if (!TryThreeNumbers(timeText, out var hour, out var minute, out var second))
            throw Fail($"The {_format} header field 'start time' in '{_path}' is '{Printable(time)}', not hh.mm.ss; the file header is damaged.");
        var year = yy >= 85 ? 1900 + yy : 2000 + yy;
        // EDF+ keeps the four-digit year in the recording field; it wins where it agrees on the last two digits.
        var parts = RecordingId.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length >= 2 && parts[0] == "Startdate" && parts[1].Length == 11
            && int.TryParse(parts[1].AsSpan(7, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var fullYear)
            && fullYear % 100 == yy)
            year = fullYear;
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
            throw Fail($"The {_format} header field 'start date' in '{_path}' is '{dateText}', which is not a calendar date; the file header is damaged.");
        if (hour > 23 || minute > 59 || second > 59)
            throw Fail($"The {_format} header field 'start time' in '{_path}' is '{timeText}', which is not a time of day; the file header is damaged.");
        return new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
    }

    private static bool TryThreeNumbers(string text, out int a, out int b, out int c)
    {
        a = b = c = 0;
        if (text.Length != 8 || text[2] is >= '0' and <= '9' || text[5] is >= '0' and <= '9') return false;
        return TwoDigits(text, 0, out a) && TwoDigits(text, 3, out b) && TwoDigits(text, 6, out c);
    }

    private static bool TwoDigits(string s, int at, out int value)
    {
        value = 0;
        if (s[at] is < '0' or > '9' || s[at + 1] is < '0' or > '9') return false;
        value = (s[at] - '0') * 10 + (s[at + 1] - '0');
        return true;
    }

    private int ParseInt(ReadOnlySpan<byte> field, string name, int signal = -1, string label = "")
    {
        var text = Text(field).Replace(" ", "", StringComparison.Ordinal);
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
        // Some writers put "100.0" into integer fields; accept a whole number written as a decimal.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d)
            && d >= int.MinValue && d <= int.MaxValue)
            return (int)d;
        throw NotANumber(field, name, signal, label);
    }

    private double ParseDouble(ReadOnlySpan<byte> field, string name, int signal, string label)
    {
        // A comma decimal separator is a common writer mistake whose meaning is unambiguous.
        var text = Text(field).Replace(',', '.');
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            return value;
        throw NotANumber(field, name, signal, label);
    }

    private PipelineException NotANumber(ReadOnlySpan<byte> field, string name, int signal, string label)
    {
        var where = signal >= 0 ? $" of signal {signal + 1} ('{label}')" : "";
        return Fail($"The {_format} header field '{name}'{where} in '{_path}' is '{Printable(field)}', not a number; the file header is damaged, so repair or re-export the file.");
    }

    private static PipelineException Fail(string message) => new(message);

    /// <summary>Header text: ASCII by the standard, read as Latin-1 so that no byte is lost, trimmed of padding.</summary>
    internal static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes).Trim(' ', '\0');

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes) sb.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        return sb.ToString().Trim();
    }
}
