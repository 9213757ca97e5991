using Pipeline.Core.Operators;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Operators;

public class ChannelSelectionTests
{
    [Theory]
    [InlineData("C3..", "C3")]
    [InlineData("Fc5.", "FC5")]
    [InlineData("Fcz.", "FCZ")]
    [InlineData("Afz.", "AFZ")]
    [InlineData("EEG C3", "C3")]
    [InlineData("EEG C3-REF", "C3")]
    [InlineData("eeg fz-le", "FZ")]
    [InlineData("Cz-AR", "CZ")]
    [InlineData(" Oz. ", "OZ")]
    [InlineData("C3-A2", "C3-A2")]
    public void Normalize_handles_usual_spellings(string label, string expected) =>
        Assert.Equal(expected, ChannelLabels.Normalize(label));

    [Fact]
    public void Resolve_maps_eegmmidb_labels_in_wanted_order()
    {
        var available = new[] { "Fc5.", "Fc3.", "Fcz.", "C3..", "Cz..", "C4..", "Afz." };
        Assert.Equal([3, 2, 6, 0], ChannelLabels.Resolve(available, ["C3", "FCz", "AFz", "FC5"]));
    }

    [Fact]
    public void Resolve_names_every_missing_label_with_close_ones()
    {
        var available = new[] { "C3..", "C4..", "Cz.." };
        var e = Assert.Throws<PipelineException>(() => ChannelLabels.Resolve(available, ["C3", "C5", "Pz", "Cz"]));
        Assert.Contains("'C5'", e.Message);
        Assert.Contains("'Pz'", e.Message);
        Assert.DoesNotContain("'Cz'", e.Message.Split("close")[0]);
        Assert.Contains("'C3..'", e.Message); // suggested as close to C5
    }

    [Fact]
    public void Resolve_rejects_ambiguous_labels()
    {
        var e = Assert.Throws<PipelineException>(() => ChannelLabels.Resolve(["EEG C3", "C3-REF", "C4"], ["C3"]));
        Assert.Contains("EEG C3", e.Message);
        Assert.Contains("C3-REF", e.Message);
        // An ambiguity among channels nobody wants is harmless.
        Assert.Equal([2], ChannelLabels.Resolve(["EEG C3", "C3-REF", "C4"], ["C4"]));
    }

    [Fact]
    public void SelectChannels_reorders_values_and_description()
    {
        var d = new StreamDescription("s", "EEG", ["Fc5.", "C3..", "Cz..", "C4.."], 160, channelUnits: ["uV", "uV", "mV", "uV"]);
        var data = Enumerable.Range(0, 40).Select(i => (float)i).ToArray(); // frame f, channel c = 4f + c
        var chunks = SignalBuilder.Chunk(d, data, SignalBuilder.Times(10, 160), [3, 1, 6]);
        var output = SignalBuilder.Run(chunks, s => s.SelectChannels(["Cz", "FC5"]));
        var (values, times) = SignalBuilder.Concat(output);
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(f => new[] { 4f * f + 2, 4f * f }), values);
        Assert.Equal(SignalBuilder.Times(10, 160), times);
        Assert.Equal(["Cz..", "Fc5."], output[0].Description.ChannelLabels);
        Assert.Equal(["mV", "uV"], output[0].Description.ChannelUnits);
    }

    [Fact]
    public void SelectChannels_reports_missing_channel_as_error()
    {
        var d = SignalBuilder.Description(2, 100);
        var chunks = SignalBuilder.Chunk(d, new float[20], SignalBuilder.Times(10, 100), [5]);
        var e = Assert.Throws<PipelineException>(() => SignalBuilder.Run(chunks, s => s.SelectChannels(["C3"])));
        Assert.Contains("C3", e.Message);
    }
}
