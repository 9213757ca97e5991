using CsCheck;
using Pipeline.Core.Signals;
using Pipeline.Sources.Gdf;
using Pipeline.Sources.Replay;
using Pipeline.Tests.Edf;

namespace Pipeline.Tests.Gdf;

public class GdfSyntheticTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Header_samples_and_events_round_trip(bool version2)
    {
        var w = new GdfTestWriter { Version2 = version2 };
        using var tmp = new TempFile(w.Build(), ".gdf");
        using var gdf = GdfFile.Open(tmp.Path);
        Assert.Equal(version2 ? "2.10" : "1.25", gdf.Version);
        Assert.Equal(2, gdf.Signals.Count);
        Assert.Equal(["C1", "C2"], gdf.Signals.Select(s => s.Label));
        Assert.Equal("µV", gdf.Signals[0].PhysicalDimension);
        Assert.Equal(8.0, gdf.Signals[1].SampleRate);
        Assert.Equal(5, gdf.RecordCount);
        Assert.Equal(2.5, gdf.Duration, 12);
        Assert.Empty(gdf.Warnings);
        if (!version2) Assert.Equal(new DateTime(2007, 3, 2, 12, 7, 59), gdf.StartDateTime);
        for (var i = 0; i < 2; i++)
        {
            var values = gdf.ReadSignal(i);
            Assert.Equal(20, values.Length);
            for (var k = 0; k < values.Length; k++)
            {
                var d = GdfTestWriter.Digital(i, k / 4, k % 4);
                Assert.Equal((d + 32768.0) * 200.0 / 65535.0 - 100.0, values[k], 1e-4);
            }
        }
        // Positions are 1-based samples at the signal rate (the table's own rate is 0 here).
        Assert.Equal([(0.0, "768", 0.0), (1.0, "769", 0.5), (2.0, "770", 0.25)],
            gdf.Events.Select(m => (m.Timestamp, m.Text, m.Duration)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_event_tables_own_rate_times_its_events_in_either_versions_layout(bool version2)
    {
        // GDF 1 stores the rate as uint24 before a uint32 count; GDF 2 a uint24 count before a float32 rate.
        var w = new GdfTestWriter { Version2 = version2, EventRate = 1000, Events = [(2001, 781, 500), (1, 769, 0)] };
        using var tmp = new TempFile(w.Build(), ".gdf");
        using var gdf = GdfFile.Open(tmp.Path);
        Assert.Equal([(0.0, "769", 0.0), (2.0, "781", 0.5)], gdf.Events.Select(m => (m.Timestamp, m.Text, m.Duration)));
    }

    [Fact]
    public void Recording_streams_frames_with_continuous_timestamps_across_chunk_and_record_boundaries()
    {
        var w = new GdfTestWriter { Records = 7, SamplesPerRecord = 3 };
        using var tmp = new TempFile(w.Build(), ".gdf");
        using var rec = Recording.Open(tmp.Path);
        Assert.IsType<GdfRecording>(rec);
        Assert.Equal("GDF 1.25", rec.Format);
        var stream = Assert.Single(rec.Streams);
        Assert.Equal(21, stream.FrameCount);
        Assert.Equal(6.0, stream.Description.NominalRate);
        var frames = new List<(double T, float A, float B)>();
        foreach (var chunk in rec.ReadChunks(0, 4))
            for (var f = 0; f < chunk.Frames; f++)
                frames.Add((chunk.Timestamps[f], chunk.Data[2 * f], chunk.Data[2 * f + 1]));
        Assert.Equal(21, frames.Count);
        for (var k = 0; k < 21; k++)
        {
            Assert.Equal(k / 6.0, frames[k].T, 12);
            Assert.Equal((GdfTestWriter.Digital(1, k / 3, k % 3) + 32768.0) * 200.0 / 65535.0 - 100.0, frames[k].B, 1e-4);
        }
        Assert.Equal(["768", "769", "770"], rec.Markers.Select(m => m.Text));
    }

    [Fact]
    public void A_truncated_file_reads_its_whole_records_and_warns()
    {
        var bytes = new GdfTestWriter().Build();
        using var tmp = new TempFile(bytes[..(768 + 2 * 16 + 5)], ".gdf");
        using var gdf = GdfFile.Open(tmp.Path);
        Assert.Equal(2, gdf.RecordCount);
        Assert.Empty(gdf.Events);
        Assert.Contains(gdf.Warnings, m => m.Contains("truncated"));
    }

    [Fact]
    public void A_zero_record_duration_is_a_clear_error()
    {
        var bytes = new GdfTestWriter { DurationDenominator = 0 }.Build();
        using var tmp = new TempFile(bytes, ".gdf");
        var e = Assert.Throws<PipelineException>(() => GdfFile.Open(tmp.Path));
        Assert.Contains("record duration", e.Message);
    }

    [Fact]
    public void Truncated_or_corrupted_files_never_throw_anything_but_pipeline_exceptions()
    {
        var files = new[] { new GdfTestWriter().Build(), new GdfTestWriter { Version2 = true }.Build() };
        const int headerBytes = 256 * 3;
        var gen = Gen.Select(Gen.Int[0, 1], Gen.Int[0, files[0].Length], Gen.Int[0, headerBytes - 1].Array[0, 6], Gen.Byte.Array[6], Gen.Bool);
        gen.Sample((which, cut, positions, values, corruptTail) =>
        {
            var good = files[which];
            var bytes = good[..Math.Min(cut, good.Length)];
            if (cut < 300) bytes = good.ToArray();
            for (var i = 0; i < positions.Length && bytes.Length > 0; i++)
            {
                var at = corruptTail ? (positions[i] * 7919) % bytes.Length : positions[i];
                if (at < bytes.Length) bytes[at] = values[i];
            }
            if (cut < 300) bytes = bytes[..cut];
            using var tmp = new TempFile(bytes, ".gdf");
            try
            {
                using var rec = Recording.Open(tmp.Path);
                foreach (var stream in rec.SignalStreams)
                    foreach (var chunk in rec.ReadChunks(stream.Index, 7))
                        Assert.True(chunk.Frames > 0);
                _ = rec.Markers.Count;
            }
            catch (PipelineException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }, iter: 400);
    }
}
