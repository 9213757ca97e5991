using Pipeline.Sources.Gdf;
using Pipeline.Sources.Replay;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Gdf;

public class GdfRealFileTests
{
    [SharedDataFact]
    public void Sample_gdf_is_four_channels_at_256_Hz_with_twenty_left_and_twenty_right_cues()
    {
        using var rec = Recording.Open(SharedData.File("eeg", "sample.gdf"));
        Assert.Equal("GDF 1.25", rec.Format);
        var stream = Assert.Single(rec.Streams);
        Assert.Equal(4, stream.Description.ChannelCount);
        Assert.Equal(256.0, stream.Description.NominalRate);
        Assert.Equal(97419, stream.FrameCount);
        Assert.InRange(stream.FrameCount / 256.0, 380.4, 380.6);
        Assert.Empty(rec.Warnings);
        Assert.Equal(20, rec.Markers.Count(m => m.Text == "769"));
        Assert.Equal(20, rec.Markers.Count(m => m.Text == "770"));
        Assert.Equal(200, rec.Markers.Count);
        var times = rec.Markers.Select(m => m.Timestamp).ToArray();
        for (var k = 1; k < times.Length; k++) Assert.True(times[k] >= times[k - 1]);
        Assert.All(times, t => Assert.InRange(t, 0, 380.6));
        // The earliest event in the table is at sample 768 (1-based), i.e. 767 / 256 s.
        Assert.Equal(767 / 256.0, times[0], 9);

        long frames = 0;
        var sumSquares = 0.0;
        foreach (var chunk in rec.ReadChunks(0, 1000))
        {
            for (var i = 0; i < chunk.Frames * 4; i++)
            {
                var v = chunk.Data[i];
                Assert.True(float.IsFinite(v));
                Assert.InRange(v, -100.01f, 100.01f);
                sumSquares += v * (double)v;
            }
            Assert.Equal(frames / 256.0, chunk.Timestamps[0], 9);
            frames += chunk.Frames;
        }
        Assert.Equal(97419, frames);
        // EEG in µV: a root mean square of a few to some tens of µV, not 0 and not raw counts.
        var rms = Math.Sqrt(sumSquares / (frames * 4));
        Assert.InRange(rms, 1, 60);
    }

    [SharedDataFact]
    public void Test_1ch_gdf_is_one_float_channel_at_the_rate_and_length_its_header_gives()
    {
        using var gdf = GdfFile.Open(SharedData.File("edf", "test_1ch.gdf"));
        Assert.Equal("2.10", gdf.Version);
        var signal = Assert.Single(gdf.Signals);
        Assert.Equal(16, signal.TypeCode);
        // Header: records 4500 of 1/150 s, 1 sample each.
        Assert.Equal(150.0, signal.SampleRate, 9);
        Assert.Equal(4500, gdf.RecordCount);
        Assert.Equal(30.0, gdf.Duration, 9);
        Assert.Equal(512, gdf.HeaderBytes);
        Assert.Empty(gdf.Warnings);
        var values = gdf.ReadSignal(0);
        Assert.Equal(4500, values.Length);
        Assert.All(values, v => Assert.InRange(v, signal.PhysicalMinimum - 1e-3, signal.PhysicalMaximum + 1e-3));
        // Digital and physical ranges are equal, so values are the stored floats: the first is 0x BC1E774F.
        Assert.Equal(BitConverter.Int32BitsToSingle(unchecked((int)0xBC1E774F)), values[0]);

        using var rec = Recording.Open(SharedData.File("edf", "test_1ch.gdf"));
        Assert.Equal(4500, Assert.Single(rec.Streams).FrameCount);
        Assert.Empty(rec.Markers);
    }
}
