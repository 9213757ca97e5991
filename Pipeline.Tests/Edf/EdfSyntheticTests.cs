using System.Text;
using CsCheck;
using Pipeline.Core.Signals;
using Pipeline.Sources.Edf;

namespace Pipeline.Tests.Edf;

public class EdfSyntheticTests
{
    private static readonly string[] FieldNames =
        ["label", "transducer", "dimension", "pmin", "pmax", "dmin", "dmax", "prefilter", "spr", "reserved"];
    private static readonly int[] FieldWidths = [16, 80, 8, 8, 8, 8, 8, 80, 8, 32];

    /// <summary>Byte offset of a per-signal header field of signal <paramref name="signal"/> in a file of <paramref name="ns"/> signals.</summary>
    private static int SignalField(string field, int signal, int ns)
    {
        var at = 256;
        for (var f = 0; f < FieldNames.Length; f++)
        {
            if (FieldNames[f] == field) return at + signal * FieldWidths[f];
            at += FieldWidths[f] * ns;
        }
        throw new ArgumentException(field);
    }

    private static byte[] Patch(byte[] file, int offset, string text, int width)
    {
        var copy = (byte[])file.Clone();
        Encoding.ASCII.GetBytes(text.PadRight(width)).AsSpan(0, width).CopyTo(copy.AsSpan(offset));
        return copy;
    }

    private static EdfFile OpenBytes(byte[] bytes, out TempFile file)
    {
        file = new TempFile(bytes);
        return EdfFile.Open(file.Path);
    }

    [Fact]
    public void Physical_values_follow_the_header_calibration()
    {
        var w = EdfTestWriter.Small();
        int[] c3 = [-32768, 32767, 0, -1, 1, 12345, -23456, 100];
        int[] c4 = [-2048, 2047, 0, 1000];
        w.Digital = (i, r, s) => i == 0 ? c3[s] : c4[s];
        using var edf = OpenBytes(w.Build(), out var tmp);
        using var _ = tmp;
        var a = edf.ReadSignal(0);
        var b = edf.ReadSignal(1);
        Assert.Equal(24, a.Length);
        Assert.Equal(12, b.Length);
        for (var k = 0; k < a.Length; k++)
        {
            var d = c3[k % 8];
            Assert.Equal((d + 32768.0) * 200.0 / 65535.0 - 100.0, a[k], 1e-4);
        }
        for (var k = 0; k < b.Length; k++)
        {
            var d = c4[k % 4];
            Assert.Equal((d + 2048.0) * 100.0 / 4095.0 - 50.0, b[k], 1e-4);
        }
        // The ends of the digital range map exactly onto the ends of the physical range.
        Assert.Equal(-100f, a[0]);
        Assert.Equal(100f, a[1]);
        Assert.Equal(-50f, b[0]);
        Assert.Equal(50f, b[1]);
        Assert.Equal(-100.0, edf.Signals[0].ToPhysical(-32768));
    }

    [Fact]
    public void Mixed_rates_and_fractional_record_duration_give_per_signal_rates_and_frame_major_blocks()
    {
        var w = EdfTestWriter.Small();
        w.Duration = "0.5";
        w.Signals.Insert(1, new EdfTestWriter.Signal("Cz", 8, -32768, 32767));
        w.Digital = (i, r, s) => i * 1000 + r * 100 + s;
        using var edf = OpenBytes(w.Build(), out var tmp);
        using var _ = tmp;
        Assert.Equal([16.0, 16.0, 8.0], edf.DataSignals.Select(s => s.SampleRate));
        Assert.Equal(2, edf.RateGroups().Count);
        Assert.Equal(["C3", "Cz"], edf.RateGroups()[0].Select(s => s.Label));
        Assert.Equal(1.5, edf.Duration);
        Assert.Equal(1.0, edf.RecordStartTime(2));

        // Cz is calibrated 1:1, so its physical values are its digital ones: 1000 + 100 r + s.
        var buffer = new float[2 * 8 * 2];
        Assert.Equal(2, edf.ReadRecords(1, 5, [1, 1], buffer));
        for (var r = 0; r < 2; r++)
            for (var s = 0; s < 8; s++)
            {
                Assert.Equal(1000 + (r + 1) * 100 + s, buffer[(r * 8 + s) * 2]);
                Assert.Equal(1000 + (r + 1) * 100 + s, buffer[(r * 8 + s) * 2 + 1]);
            }
        Assert.Throws<ArgumentException>(() => edf.ReadRecords(0, 1, [0, 2], new float[100]));
        Assert.Throws<ArgumentException>(() => edf.ReadRecords(0, 1, [3], new float[100]));
        Assert.Throws<ArgumentException>(() => edf.ReadRecords(0, 3, [0], new float[10]));
        Assert.Equal(0, edf.ReadRecords(3, 1, [0], []));
    }

    [Fact]
    public void Reading_records_allocates_nothing_after_warm_up()
    {
        var w = EdfTestWriter.Small();
        w.RecordCount = 20;
        using var edf = OpenBytes(w.Build(), out var tmp);
        using var _ = tmp;
        int[] signals = [0];
        var buffer = new float[4 * 8];
        edf.ReadRecords(0, 4, signals, buffer);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var first = 0; first < 20; first += 4) edf.ReadRecords(first, 4, signals, buffer);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Edf_plus_d_record_starts_come_from_the_time_keeping_annotations()
    {
        var w = EdfTestWriter.Small();
        w.Reserved = "EDF+D";
        double[] starts = [0.25, 5.25, 5.75];
        w.Annotations = r => r == 1
            ? "+5.25\u0014\u0014\0+6\u00150.5\u0014A\u0014B\u0014\0"
            : $"+{starts[r].ToString(System.Globalization.CultureInfo.InvariantCulture)}\u0014\u0014\0";
        using var edf = OpenBytes(w.Build(), out var tmp);
        using var _ = tmp;
        Assert.Equal(EdfFileKind.EdfPlusDiscontinuous, edf.Kind);
        Assert.Equal(0.25, edf.StartOffsetSeconds);
        Assert.Equal(new DateTime(2003, 2, 1, 4, 5, 6, 250), edf.StartDateTime);
        Assert.Equal([0.0, 5.0, 5.5], Enumerable.Range(0, 3).Select(edf.RecordStartTime));
        Assert.Equal(6.5, edf.Duration);
        Assert.Equal([new Marker(5.75, "A", 0.5, "EDF Annotations"), new Marker(5.75, "B", 0.5, "EDF Annotations")], edf.ReadAnnotations());
    }

    [Fact]
    public void Edf_plus_d_without_time_keeping_annotation_is_a_clear_error()
    {
        var w = EdfTestWriter.Small();
        w.Reserved = "EDF+D";
        w.Annotations = r => r == 2 ? "" : $"+{r}\u0014\u0014\0";
        using var edf = OpenBytes(w.Build(), out var tmp);
        using var _ = tmp;
        var e = Assert.Throws<PipelineException>(() => edf.RecordStartTime(1));
        Assert.Contains("record 3", e.Message);
    }

    [Fact]
    public void A_partial_last_record_is_ignored_with_a_warning()
    {
        var w = EdfTestWriter.Small();
        var full = w.Build();
        using var edf = OpenBytes(full[..^10], out var tmp);
        using var _ = tmp;
        Assert.Equal(2, edf.RecordCount);
        Assert.Equal(2.0, edf.Duration);
        Assert.Contains(edf.Warnings, m => m.Contains("declares 3 data records but holds 2"));
        Assert.Contains(edf.Warnings, m => m.Contains("46 bytes"));
        Assert.Equal(16, edf.ReadSignal(0).Length);
        Assert.Equal(2, edf.ReadRecords(0, 3, [0], new float[24]));
    }

    [Fact]
    public void Unknown_record_count_is_taken_from_the_file_size()
    {
        var w = EdfTestWriter.Small();
        w.RecordCountField = "-1";
        using var edf = OpenBytes(w.Build()[..^1], out var tmp);
        using var _ = tmp;
        Assert.Equal(2, edf.RecordCount);
        Assert.Contains(edf.Warnings, m => m.Contains("55 bytes"));
    }

    [Fact]
    public void Malformed_tals_are_skipped_with_a_warning()
    {
        var w = EdfTestWriter.Small();
        w.Signals[2] = w.Signals[2] with { SamplesPerRecord = 40 };
        w.Annotations = r => $"+{r}\u0014\u0014\0xyz\u0014bad\u0014\0+1.5\u0015zz\u0014bad\u0014\0+0.5\u0014good\u0014\0";
        using var edf = OpenBytes(w.Build(), out var tmp);
        using var _ = tmp;
        var markers = edf.ReadAnnotations();
        Assert.Equal(3, markers.Count);
        Assert.All(markers, m => Assert.Equal(("good", 0.5), (m.Text, m.Timestamp)));
        Assert.Contains(edf.Warnings, m => m.StartsWith("6 annotation"));
    }

    public static TheoryData<string, string> BrokenHeaders()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, expected) in new[]
                 {
                     ("version", "version field"), ("records", "'number of data records'"), ("negative records", "'number of data records'"),
                     ("duration", "'duration of a data record'"), ("zero duration", "'duration of a data record' in"),
                     ("signals", "'number of signals'"), ("header bytes", "'number of bytes in header'"),
                     ("spr", "'number of samples in each data record' of signal 2 ('C4')"), ("zero spr", "'number of samples in each data record' of signal 1 ('C3')"),
                     ("pmin", "'physical minimum' of signal 1 ('C3')"), ("pmax", "'physical maximum' of signal 2 ('C4')"),
                     ("dmin", "'digital minimum' of signal 1 ('C3')"), ("dmax", "'digital maximum' of signal 2 ('C4')"),
                     ("dmax below dmin", "digital maximum (-3000) that is not above"), ("pmin equals pmax", "equal physical minimum and maximum"),
                     ("date", "'start date'"), ("time", "'start time'"), ("month 13", "'start date'"),
                     ("too many signals", "too short"), ("short", "fewer than the 256-byte header"), ("empty", "fewer than the 256-byte header"),
                 })
            data.Add(name, expected);
        return data;
    }

    [Theory]
    [MemberData(nameof(BrokenHeaders))]
    public void Broken_headers_give_a_pipeline_exception_naming_the_field(string breakage, string expected)
    {
        var good = EdfTestWriter.Small().Build();
        var bytes = breakage switch
        {
            "version" => Patch(good, 0, "1", 8),
            "records" => Patch(good, 236, "abc", 8),
            "negative records" => Patch(good, 236, "-7", 8),
            "duration" => Patch(good, 244, "x", 8),
            "zero duration" => Patch(good, 244, "0", 8),
            "signals" => Patch(good, 252, "zz", 4),
            "header bytes" => Patch(good, 184, "999", 8),
            "spr" => Patch(good, SignalField("spr", 1, 3), "abc", 8),
            "zero spr" => Patch(good, SignalField("spr", 0, 3), "0", 8),
            "pmin" => Patch(good, SignalField("pmin", 0, 3), "", 8),
            "pmax" => Patch(good, SignalField("pmax", 1, 3), "1e999", 8),
            "dmin" => Patch(good, SignalField("dmin", 0, 3), "--", 8),
            "dmax" => Patch(good, SignalField("dmax", 1, 3), "1.5", 8),
            "dmax below dmin" => Patch(good, SignalField("dmax", 1, 3), "-3000", 8),
            "pmin equals pmax" => Patch(good, SignalField("pmin", 0, 3), "100", 8),
            "date" => Patch(good, 168, "aa.bb.cc", 8),
            "time" => Patch(good, 176, "25.00.00", 8),
            "month 13" => Patch(good, 168, "01.13.03", 8),
            "too many signals" => Patch(good, 252, "9999", 4),
            "short" => good[..100],
            "empty" => [],
            _ => throw new ArgumentException(breakage),
        };
        using var tmp = new TempFile(bytes);
        var e = Assert.Throws<PipelineException>(() => EdfFile.Open(tmp.Path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(tmp.Path, e.Message);
        // One sentence: a single full stop, at the end.
        Assert.EndsWith(".", e.Message);
    }

    [Fact]
    public void A_missing_file_names_its_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid().ToString("N"), "x.edf");
        var e = Assert.Throws<PipelineException>(() => EdfFile.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Truncated_or_corrupted_files_never_throw_anything_but_pipeline_exceptions()
    {
        var good = EdfTestWriter.Small().Build();
        var headerBytes = 256 + 256 * 3;
        var gen = Gen.Select(Gen.Int[0, good.Length], Gen.Int[0, headerBytes - 1].Array[0, 6], Gen.Byte.Array[6], Gen.Bool);
        gen.Sample((cut, positions, values, corruptData) =>
        {
            var bytes = good[..Math.Max(cut, 0)];
            if (cut < 256) bytes = good.ToArray();
            for (var i = 0; i < positions.Length; i++)
            {
                var at = corruptData ? (positions[i] * 7919) % bytes.Length : positions[i];
                if (at < bytes.Length) bytes[at] = values[i];
            }
            if (cut < 64) bytes = bytes[..cut];
            using var tmp = new TempFile(bytes);
            try
            {
                using var edf = EdfFile.Open(tmp.Path);
                _ = edf.ReadMarkers();
                foreach (var group in edf.RateGroups())
                {
                    var idx = group.Select(s => s.Index).ToArray();
                    edf.ReadRecords(0, edf.RecordCount, idx, new float[edf.RecordCount * group[0].SamplesPerRecord * idx.Length]);
                }
                _ = edf.Duration;
                _ = edf.StartDateTime;
            }
            catch (PipelineException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }, iter: 400);
    }
}
