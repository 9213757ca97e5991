using Pipeline.Core.Signals;
using Pipeline.Sources.Edf;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Edf;

public class EdfRealFileTests
{
    private static string Eegmmidb(string run) => SharedData.File("eeg", "eegmmidb-S001", run);
    private static string Edge(string name) => SharedData.File("edf", name);

    [SharedDataFact]
    public void Eegmmidb_run4_has_64_channels_at_160_Hz_and_125_seconds()
    {
        using var edf = EdfFile.Open(Eegmmidb("S001R04.edf"));
        Assert.Equal(EdfFileKind.EdfPlusContinuous, edf.Kind);
        Assert.Equal(65, edf.Signals.Count);
        Assert.Equal(64, edf.DataSignals.Count);
        Assert.Single(edf.AnnotationSignals);
        Assert.True(edf.Signals[64].IsAnnotation);
        Assert.All(edf.DataSignals, s => Assert.Equal(160.0, s.SampleRate));
        Assert.Equal("Fc5.", edf.Signals[0].Label);
        Assert.Equal("C3..", edf.Signals[8].Label);
        Assert.Equal("uV", edf.Signals[8].PhysicalDimension);
        Assert.Equal(125, edf.RecordCount);
        Assert.Equal(1.0, edf.RecordDuration);
        Assert.Equal(125.0, edf.Duration);
        Assert.Equal(new DateTime(2009, 8, 12, 16, 15, 0), edf.StartDateTime);
        Assert.Empty(edf.Warnings);
        Assert.Single(edf.RateGroups());
    }

    [SharedDataFact]
    public void Eegmmidb_run4_values_are_physical_and_match_the_digital_samples()
    {
        using var edf = EdfFile.Open(Eegmmidb("S001R04.edf"));
        var channels = edf.DataSignals.Select(s => s.Index).ToArray();
        var all = new float[edf.RecordCount * 160 * 64];
        Assert.Equal(125, edf.ReadRecords(0, 1000, channels, all));
        Assert.All(all, v => Assert.True(Math.Abs(v) < 8200));
        Assert.Contains(all, v => v != 0);
        // This file's calibration is 1:1 (±8092 both ways), so physical values are the 16-bit samples; 595 is the largest magnitude in it.
        Assert.Equal(595f, all.Max(Math.Abs));
        Assert.All(all, v => Assert.Equal(Math.Round(v), v));

        // Reading in blocks, and one signal alone, gives the same values in the same places.
        var block = new float[7 * 160 * 64];
        var c3 = edf.ReadSignal(8);
        for (var first = 0; first < edf.RecordCount; first += 7)
        {
            var n = edf.ReadRecords(first, 7, channels, block);
            Assert.Equal(Math.Min(7, 125 - first), n);
            for (var f = 0; f < n * 160; f++)
            {
                Assert.Equal(all[(first * 160 + f) * 64 + 8], block[f * 64 + 8]);
                Assert.Equal(c3[first * 160 + f], block[f * 64 + 8]);
            }
        }
    }

    [SharedDataFact]
    public void Eegmmidb_run4_has_15_cues_and_15_rests_every_4_point_1_to_4_point_2_seconds()
    {
        using var edf = EdfFile.Open(Eegmmidb("S001R04.edf"));
        var markers = edf.ReadAnnotations();
        string[] texts =
        [
            "T0", "T2", "T0", "T1", "T0", "T1", "T0", "T2", "T0", "T2", "T0", "T1", "T0", "T2", "T0",
            "T1", "T0", "T2", "T0", "T1", "T0", "T1", "T0", "T2", "T0", "T1", "T0", "T2", "T0", "T1",
        ];
        double[] onsets =
        [
            0, 4.2, 8.3, 12.5, 16.6, 20.8, 24.9, 29.1, 33.2, 37.4, 41.5, 45.7, 49.8, 54, 58.1,
            62.3, 66.4, 70.6, 74.7, 78.9, 83, 87.2, 91.3, 95.5, 99.6, 103.8, 107.9, 112.1, 116.2, 120.4,
        ];
        Assert.Equal(texts, markers.Select(m => m.Text));
        Assert.Equal(15, markers.Count(m => m.Text == "T0"));
        Assert.Equal(15, markers.Count(m => m.Text is "T1" or "T2"));
        Assert.Equal(onsets, markers.Select(m => m.Timestamp));
        for (var i = 0; i < markers.Count; i++)
        {
            Assert.Equal(markers[i].Text == "T0" ? 4.2 : 4.1, markers[i].Duration, 9);
            Assert.Equal("EDF Annotations", markers[i].Stream);
            if (i > 0) Assert.InRange(markers[i].Timestamp - markers[i - 1].Timestamp, 4.1 - 1e-9, 4.2 + 1e-9);
            // Each annotation ends where the next begins.
            if (i > 0) Assert.Equal(markers[i - 1].Timestamp + markers[i - 1].Duration, markers[i].Timestamp, 9);
        }
        Assert.Equal(markers, edf.ReadMarkers());
    }

    [SharedDataFact]
    public void Reduced_file_has_140_signals_at_mixed_rates_and_5_annotations()
    {
        using var edf = EdfFile.Open(Edge("test_reduced.edf"));
        Assert.Equal(140, edf.Signals.Count);
        Assert.Equal(139, edf.DataSignals.Count);
        Assert.Equal(6, edf.RecordCount);
        Assert.Equal([1.0, 2, 4, 8, 16, 32, 64, 128, 256, 512], edf.DataSignals.Select(s => s.SampleRate).Distinct().Order());
        Assert.Equal(10, edf.RateGroups().Count);
        Assert.Equal(126, edf.RateGroups().Single(g => g[0].SampleRate == 512).Count);
        Marker[] expected =
        [
            new(0, "start", 0, "EDF Annotations"),
            new(0.1344, "type A", 0.256, "EDF Annotations"),
            new(0.3904, "type A", 1, "EDF Annotations"),
            new(2, "type B", 0, "EDF Annotations"),
            new(2.5, "type A", 2.5, "EDF Annotations"),
        ];
        Assert.Equal(expected, edf.ReadAnnotations());
        // Every rate group, read as one block, matches an independent decode of the raw record bytes.
        var bytes = File.ReadAllBytes(Edge("test_reduced.edf"));
        var recordBytes = edf.Signals.Sum(s => s.SamplesPerRecord) * 2;
        foreach (var group in edf.RateGroups())
        {
            var idx = group.Select(s => s.Index).ToArray();
            var spr = group[0].SamplesPerRecord;
            var values = new float[edf.RecordCount * spr * idx.Length];
            Assert.Equal(6, edf.ReadRecords(0, 6, idx, values));
            for (var c = 0; c < idx.Length; c++)
            {
                var s = group[c];
                var offset = edf.Signals.Take(s.Index).Sum(x => x.SamplesPerRecord) * 2;
                for (var r = 0; r < 6; r++)
                    for (var k = 0; k < spr; k++)
                    {
                        var o = 36096 + r * recordBytes + offset + 2 * k;
                        var d = (double)BitConverter.ToInt16(bytes, o);
                        var physical = (d - s.DigitalMinimum) * (s.PhysicalMaximum - s.PhysicalMinimum) / (s.DigitalMaximum - s.DigitalMinimum) + s.PhysicalMinimum;
                        Assert.Equal(physical, values[(r * spr + k) * idx.Length + c], 1e-3);
                    }
            }
        }
    }

    [SharedDataFact]
    public void Utf8_annotation_text_is_decoded()
    {
        using var edf = EdfFile.Open(Edge("test_utf8_annotations.edf"));
        Assert.Equal(12, edf.Signals.Count);
        Marker[] expected =
        [
            new(0, "RECORD START", 0, "EDF Annotations"),
            new(2, "\u4EF0\u5367", 0.5, "EDF Annotations"), // 仰卧 ("supine")
        ];
        Assert.Equal(expected, edf.ReadAnnotations());
    }

    [SharedDataFact]
    public void Subsecond_start_comes_from_the_first_time_keeping_annotation()
    {
        using var edf = EdfFile.Open(Edge("subsecond_starttime.edf"));
        Assert.Equal(0.3945312, edf.StartOffsetSeconds, 12);
        Assert.Equal(new DateTime(2020, 1, 24, 4, 5, 56).AddTicks(3_945_312), edf.StartDateTime);
        Assert.Equal(4.0, edf.RecordStartTime(4));
        var markers = edf.ReadAnnotations();
        Assert.Equal(["XLSpike", "Clip Note"], markers.Select(m => m.Text));
        // Onsets are relative to the header time; the first sample is 0.3945312 s after it.
        Assert.Equal(2.3457031 - 0.3945312, markers[0].Timestamp, 9);
        Assert.Equal(3.8867187 - 0.3945312, markers[1].Timestamp, 9);
        // The physical range is inverted (8711..-8711) in this file; values must still lie inside it.
        Assert.All(edf.ReadSignal(0), v => Assert.InRange(v, -8711.01f, 8711.01f));
    }

    [SharedDataFact]
    public void Overlapping_annotation_file_keeps_every_annotation()
    {
        using var edf = EdfFile.Open(Edge("test_edf_overlapping_annotations.edf"));
        var markers = edf.ReadAnnotations();
        Assert.Equal(38, markers.Count);
        Assert.Equal(19, markers.Count(m => m.Text == "T0"));
        Assert.All(markers.Where(m => m.Text == "T0"), m => Assert.Equal(1.375, m.Duration));
        Assert.All(markers.Where(m => m.Text != "T0"), m => Assert.Equal(5.125, m.Duration));
        Assert.Equal(124.0, edf.Duration);
    }

    [SharedDataFact]
    public void Bdf_is_scaled_from_24_bits_and_status_rising_edges_become_markers()
    {
        var path = Edge("test_bdf_stim_channel.bdf");
        using var edf = EdfFile.Open(path);
        Assert.Equal(EdfFileKind.Bdf, edf.Kind);
        Assert.True(edf.IsBdf);
        Assert.Equal(["C3", "C4", "Cz", "Status"], edf.Signals.Select(s => s.Label));
        Assert.Equal(3, edf.DataSignals.Count);
        Assert.Equal("Status", edf.StatusSignal!.Label);
        Assert.All(edf.Signals, s => Assert.Equal(500.0, s.SampleRate));

        // Independent decode of the first C3 samples straight from the bytes.
        var bytes = File.ReadAllBytes(path);
        var c3 = edf.ReadSignal(0);
        for (var s = 0; s < 500; s++)
        {
            var o = 1280 + 3 * s;
            var d = bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16);
            if (d >= 1 << 23) d -= 1 << 24;
            var expected = (d + 8388608.0) * (187470.0 + 187470.0) / (8388607.0 + 8388608.0) - 187470.0;
            Assert.Equal(expected, c3[s], Math.Abs(expected) * 1e-6 + 1e-6);
        }
        Assert.Equal(406384 * (374940.0 / 16777215.0) + (8388608 * (374940.0 / 16777215.0) - 187470), c3[0], 0.01);

        int[] samples = [242, 310, 952, 1606, 2249, 2900, 3537, 4162, 4790];
        string[] codes = ["4", "2", "1", "1", "1", "1", "1", "1", "1"];
        var events = edf.ReadStatusEvents();
        Assert.Equal(codes, events.Select(e => e.Text));
        Assert.Equal(samples.Select(s => s / 500.0), events.Select(e => e.Timestamp));
        Assert.Equal(events, edf.ReadMarkers());
    }

    [SharedDataFact]
    public void Gdf_is_refused_with_a_hint_to_convert()
    {
        var e = Assert.Throws<PipelineException>(() => EdfFile.Open(Edge("test_1ch.gdf")));
        Assert.Contains("GDF", e.Message);
        Assert.Contains("convert", e.Message);
    }
}
