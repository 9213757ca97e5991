using System.Buffers.Binary;
using Pipeline.Core.Signals;
using Pipeline.Sources.Gdf;
using Pipeline.Tests.Edf;

namespace Pipeline.Tests.Gdf;

/// <summary>
/// The GDF reader split like the EDF reader (issue 12, item 5): the header and the event table are parsed by their own
/// types, each testable without the other.
/// </summary>
public sealed class GdfHeaderAndEventTableTests
{
    private static GdfHeaderReader ReadHeader(byte[] bytes, string path = "memory.gdf")
    {
        var header = new GdfHeaderReader(path);
        header.Read((offset, buffer) =>
        {
            var n = (int)Math.Clamp(bytes.Length - offset, 0, buffer.Length);
            bytes.AsSpan((int)Math.Min(offset, bytes.Length), n).CopyTo(buffer);
            return n;
        }, bytes.Length);
        return header;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_header_reader_reads_fixed_and_signal_headers_from_bytes_alone(bool version2)
    {
        var header = ReadHeader(new GdfTestWriter { Version2 = version2 }.Build());
        Assert.Equal(version2 ? "2.10" : "1.25", header.Version);
        Assert.Equal(version2, header.IsVersion2);
        Assert.Equal(768, header.HeaderBytes);
        Assert.Equal(5, header.DeclaredRecordCount);
        Assert.Equal(0.5, header.RecordDuration);
        Assert.Equal(16, header.RecordBytes); // 2 signals x 4 samples x int16
        Assert.Equal(["C1", "C2"], header.Signals.Select(s => s.Label));
        Assert.All(header.Signals, s => Assert.Equal(8.0, s.SampleRate));
    }

    [Fact]
    public void The_header_reader_refuses_a_record_duration_that_implies_gigahertz_sampling()
    {
        var e = Assert.Throws<PipelineException>(() => ReadHeader(new GdfTestWriter { DurationDenominator = 1_000_000_000 }.Build(), "fast.gdf"));
        Assert.Contains("'fast.gdf'", e.Message);
        Assert.Contains("4E+09 Hz", e.Message);
    }

    [Fact]
    public void The_event_table_reader_reads_a_table_and_leaves_out_one_that_lies_about_its_count()
    {
        var writer = new GdfTestWriter();
        var bytes = writer.Build();
        var at = 768 + 5 * 16; // after the header and the five declared records
        var header = ReadHeader(bytes);
        using (var tmp = new TempFile(bytes, ".gdf"))
        using (var handle = File.OpenHandle(tmp.Path))
        {
            var warnings = new List<string>();
            var events = GdfEventTableReader.Read(handle, at, bytes.Length, false, 8.0, header.Signals, "t.gdf", warnings);
            Assert.Equal(["768", "769", "770"], events.Select(m => m.Text));
            Assert.Equal([0.0, 1.0, 2.0], events.Select(m => m.Timestamp));
            Assert.Empty(warnings);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 4), 1_000_000_000); // GDF 1: uint32 event count
        using (var tmp = new TempFile(bytes, ".gdf"))
        using (var handle = File.OpenHandle(tmp.Path))
        {
            var warnings = new List<string>();
            Assert.Empty(GdfEventTableReader.Read(handle, at, bytes.Length, false, 8.0, header.Signals, "t.gdf", warnings));
            Assert.Contains("declares 1000000000 events but the file ends before them", Assert.Single(warnings));
        }
    }
}
