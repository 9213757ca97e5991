using Pipeline.Lsl;
using Pipeline.Lsl.Xdf;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Xdf;

public sealed class XdfExampleFileTests
{
    private static string Path(string name) => SharedData.File("xdf", name);

    [SharedDataFact]
    public void Minimal_decodes_to_the_documented_values()
    {
        var file = XdfFile.Load(Path("minimal.xdf"), applyClockOffsets: false);
        Assert.Empty(file.Warnings);
        Assert.Equal(2, file.Streams.Count);
        var expectedStamps = Enumerable.Range(1, 9).Select(i => 5.0 + i / 10.0).ToArray();

        var ints = file.Streams[0];
        Assert.Equal(0u, ints.Stream.Id);
        Assert.Equal("SendDataC", ints.Stream.Header.Name);
        Assert.Equal("EEG", ints.Stream.Header.Type);
        Assert.Equal(3, ints.Stream.Header.ChannelCount);
        Assert.Equal(ChannelFormat.Int16, ints.Stream.Header.ChannelFormat);
        Assert.Equal(10, ints.Stream.Header.NominalSrate);
        Assert.Equal("xdfwriter_11_int", ints.Stream.Header.Uid);
        Assert.Equal(9, ints.Stream.SampleCount);
        float[] expected = [192, 255, 238, 12, 22, 32, 13, 23, 33, 14, 24, 34, 15, 25, 35, 12, 22, 32, 13, 23, 33, 14, 24, 34, 15, 25, 35];
        Assert.Equal(expected, ints.Values);
        Assert.Equal(9, ints.Count);
        for (var i = 0; i < 9; i++) Assert.Equal(expectedStamps[i], ints.Timestamps[i], 1e-12);

        var footer = ints.Stream.Footer!;
        Assert.Equal(5.1, footer.FirstTimestamp);
        Assert.Equal(5.9, footer.LastTimestamp);
        Assert.Equal(9, footer.SampleCount);
        Assert.Equal([new XdfClockOffset(50979.76, -0.01), new XdfClockOffset(50979.86, -0.02)], footer.ClockOffsets);
        // The ClockOffset chunks themselves differ from the footer's copy (the example writer wrote both by hand).
        Assert.Equal([new XdfClockOffset(6.1, -0.1), new XdfClockOffset(7.1, -0.1)], ints.Stream.ClockOffsets);

        var strings = file.Streams[1];
        Assert.Equal(0x02C0FFEEu, strings.Stream.Id);
        Assert.Equal("SendDataString", strings.Stream.Header.Name);
        Assert.Equal("StringMarker", strings.Stream.Header.Type);
        Assert.Equal(ChannelFormat.String, strings.Stream.Header.ChannelFormat);
        Assert.Equal(1, strings.Stream.Header.ChannelCount);
        Assert.Equal("xdfwriter_11_str", strings.Stream.Header.Uid);
        Assert.Equal(9, strings.Count);
        Assert.StartsWith("<?xml", strings.Strings[0]);
        Assert.Equal(["Hello", "World", "from", "LSL", "Hello", "World", "from", "LSL"], strings.Strings[1..]);
        for (var i = 0; i < 9; i++) Assert.Equal(expectedStamps[i], strings.Timestamps[i], 1e-12);
        Assert.Empty(strings.Stream.ClockOffsets); // both ClockOffset chunks in the file belong to stream 0
    }

    [SharedDataFact]
    public void Minimal_with_clock_offsets_adds_the_fitted_offset()
    {
        var raw = XdfFile.Load(Path("minimal.xdf"), applyClockOffsets: false).Streams[0].Timestamps;
        var file = XdfFile.Load(Path("minimal.xdf"));
        var sync = file.Streams[0].Stream.ClockSync;
        Assert.Single(sync.Segments);
        // Two offsets of -0.1 s at 6.1 and 7.1: a flat line, so every stamp moves back by exactly 0.1 s.
        Assert.Equal(0, sync.Segments[0].Slope, 1e-12);
        for (var i = 0; i < raw.Length; i++) Assert.Equal(raw[i] - 0.1, file.Streams[0].Timestamps[i], 1e-9);
    }

    [SharedDataFact]
    public void Clock_resets_has_two_segments_and_synchronised_eeg_is_monotonic()
    {
        var file = XdfFile.Load(Path("clock_resets.xdf"));
        var raw = XdfFile.Load(Path("clock_resets.xdf"), applyClockOffsets: false);
        Assert.Empty(file.Warnings);
        var markers = file.Streams[0];
        var eeg = file.Streams[1];
        Assert.Equal(("MyMarkerStream", ChannelFormat.String, 0.0), (markers.Stream.Header.Name, markers.Stream.Header.ChannelFormat, markers.Stream.Header.NominalSrate));
        // The file holds 175 marker samples and 27815 EEG samples (the README says 174 and 27814; the footers are off by one).
        Assert.Equal(175, markers.Count);
        Assert.Equal(27815, eeg.Count);
        Assert.Equal(27815, eeg.Stream.SampleCount);
        Assert.Equal(8, eeg.Stream.Header.ChannelCount);
        Assert.Equal(ChannelFormat.Float32, eeg.Stream.Header.ChannelFormat);
        Assert.Equal(100, eeg.Stream.Header.NominalSrate);
        Assert.Equal(27815 * 8, eeg.Values.Length);
        Assert.Equal(2, eeg.Stream.ClockSync.Segments.Count);
        Assert.Equal(2, markers.Stream.ClockSync.Segments.Count);

        // Raw stamps jump back by ~650000 s at the producer restart; synchronised ones must not go backwards by more
        // than the jitter of a 100 Hz device, and the whole recording must span about its real duration.
        var rawBack = MaxBackwardStep(raw.Streams[1].Timestamps);
        var syncBack = MaxBackwardStep(eeg.Timestamps);
        Assert.True(rawBack > 600_000, $"raw stamps should jump back at the reset, largest backward step {rawBack}");
        Assert.True(syncBack < 0.05, $"synchronised stamps step back by {syncBack} s");
        // In the recorder's clock the recording runs forwards: at least as long as its samples (a ~5 min pause while
        // the producer restarted lies inside), where raw stamps end ~650000 s before they start.
        var span = eeg.Timestamps[^1] - eeg.Timestamps[0];
        Assert.InRange(span, 27815 / 100.0, 1000);
        Assert.True(raw.Streams[1].Timestamps[^1] - raw.Streams[1].Timestamps[0] < -600_000);
    }

    private static double MaxBackwardStep(double[] t)
    {
        var worst = 0.0;
        for (var i = 1; i < t.Length; i++) worst = Math.Max(worst, t[i - 1] - t[i]);
        return worst;
    }

    [SharedDataFact]
    public void Empty_streams_decode_with_counts_from_the_samples_not_the_footer()
    {
        var file = XdfFile.Load(Path("empty_streams.xdf"), applyClockOffsets: false);
        Assert.Empty(file.Warnings);
        Assert.Equal(4, file.Streams.Count);
        Assert.Equal([3u, 4u, 1u, 2u], file.Streams.Select(s => s.Stream.Id));

        var data = file.FindStream(4)!;
        Assert.Equal("Data stream: test stream 0 counter", data.Stream.Header.Name);
        Assert.Equal(ChannelFormat.Int32, data.Stream.Header.ChannelFormat);
        Assert.Equal("ch:00", Assert.Single(data.Stream.Header.Channels).Label);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (double)i), data.Values64!);
        // The appendix quotes 401341.. (a differently synchronised copy); this file stores 91725.21394789348 + k.
        for (var k = 0; k < 10; k++) Assert.Equal(91725.21394789348 + k, data.Timestamps[k], 1e-6);
        // The appendix says this footer's count is 9; in this copy it reads 10. Either way the count comes from the samples.
        Assert.Equal(10, data.Stream.Footer!.SampleCount);
        Assert.Equal(10, data.Stream.SampleCount);

        foreach (var id in new uint[] { 3, 2 })
        {
            var empty = file.FindStream(id)!;
            Assert.Equal(0, empty.Count);
            Assert.Empty(empty.Values);
            Assert.Empty(empty.Strings);
            Assert.Equal(0, empty.Stream.Footer!.SampleCount);
        }
        var control = file.FindStream(1)!;
        Assert.Equal(("ctrl", "control"), (control.Stream.Header.Name, control.Stream.Header.Type));
        Assert.Equal(["{\"state\": 2}"], control.Strings);
        Assert.Equal(91725.014004246, Assert.Single(control.Timestamps));
        Assert.Equal(7, control.Stream.ClockOffsets.Count);

        var synced = XdfFile.Load(Path("empty_streams.xdf")).FindStream(4)!;
        // Offsets of a few tens of microseconds: synchronised stamps move by less than 0.1 ms.
        for (var k = 0; k < 10; k++) Assert.Equal(data.Timestamps[k], synced.Timestamps[k], 1e-4);
    }

    [SharedDataFact]
    public void Two_channel_string_markers_decode()
    {
        var file = XdfFile.Load(Path("twochannel_string_marker.xdf"), applyClockOffsets: false);
        var markers = file.FindStream(0xDEADBEEF)!;
        Assert.Equal(2, markers.Stream.Header.ChannelCount);
        Assert.Equal(["Marker 0A", "Marker 0B"], markers.Strings);
        Assert.Equal([17.0], markers.Timestamps);
        var numbers = file.FindStream(0x02C0FFEE)!;
        Assert.Equal(ChannelFormat.Double64, numbers.Stream.Header.ChannelFormat);
        Assert.Equal(64, numbers.Values64!.Length);
        Assert.Equal(0x02C0FFEEu, file.Streams[0].Stream.Id);
    }
}
