using CsCheck;
using Pipeline.Core.Quality;
using Pipeline.Core.Signals;
using Pipeline.Tests.Operators;

namespace Pipeline.Tests.Monitoring;

public class SignalQualityTests
{
    private const double Rate = 250;

    /// <summary>Frame-major test signal: channel c's value at frame f from <paramref name="channel"/>(c, f).</summary>
    private static float[] Signal(int frames, int channels, Func<int, int, double> channel)
    {
        var data = new float[frames * channels];
        for (var f = 0; f < frames; f++)
            for (var c = 0; c < channels; c++) data[f * channels + c] = (float)channel(c, f);
        return data;
    }

    private static ChannelQuality[] Measure(StreamDescription d, float[] data, int chunkFrames = 10, SignalQualityOptions? options = null)
    {
        var monitor = new SignalQualityMonitor(d, options);
        var frames = data.Length / d.ChannelCount;
        foreach (var chunk in SignalBuilder.Chunk(d, data, SignalBuilder.Times(frames, d.NominalRate), [chunkFrames])) monitor.Process(chunk);
        Assert.True(monitor.Blocks > 0);
        return monitor.Snapshot();
    }

    /// <summary>EEG-like background: 1/f-ish noise (a random walk leaking back to 0) plus a 10 Hz rhythm, about 15 µV.</summary>
    private static Func<int, double> Eeg(int seed)
    {
        var rnd = new Random(seed);
        double walk = 0;
        var values = new double[20_000];
        for (var i = 0; i < values.Length; i++)
        {
            walk = 0.95 * walk + rnd.NextDouble() * 8 - 4;
            values[i] = walk + 10 * Math.Sin(2 * Math.PI * 10 * i / Rate + seed) + rnd.NextDouble() * 4 - 2;
        }
        return f => values[f];
    }

    [Fact]
    public void Each_fault_is_flagged_on_its_channel_and_only_there()
    {
        var labels = new[] { "good", "flat", "hum50", "hum60", "clipped", "huge", "offset" };
        var d = new StreamDescription("q", "EEG", labels, Rate);
        var eeg = Enumerable.Range(0, labels.Length).Select(Eeg).ToArray();
        var data = Signal(5 * 250, labels.Length, (c, f) => c switch
        {
            0 => eeg[0](f),
            1 => 3.25, // a lead off: a constant (with its DC offset)
            2 => eeg[2](f) + 25 * Math.Sin(2 * Math.PI * 50 * f / Rate),
            3 => eeg[3](f) + 25 * Math.Sin(2 * Math.PI * 60 * f / Rate),
            4 => Math.Clamp(eeg[4](f) * 6, -40, 40), // the converter saturates at ±40
            5 => eeg[5](f) + (f % 250 == 100 ? 900 : 0), // an electrode pop every second
            _ => eeg[6](f) + 30_000, // a DC amplifier's offset is not a fault
        });
        var q = Measure(d, data);
        Assert.Equal(labels, q.Select(x => x.Channel));
        Assert.Equal(QualityFlags.None, q[0].Flags);
        Assert.Equal(QualityFlags.Flat, q[1].Flags);
        Assert.Equal(QualityFlags.LineNoise, q[2].Flags);
        Assert.Equal(50, q[2].LineFrequency);
        Assert.Equal(QualityFlags.LineNoise, q[3].Flags);
        Assert.Equal(60, q[3].LineFrequency);
        Assert.True(q[4].Flags.HasFlag(QualityFlags.Railed), q[4].ToString());
        Assert.Equal(QualityFlags.ExcessiveAmplitude, q[5].Flags);
        Assert.Equal(QualityFlags.None, q[6].Flags);
        // The clean channels are far from the thresholds, not just under them.
        Assert.True(q[0].LineNoiseRatio < 0.02, q[0].ToString());
        Assert.InRange(q[0].StdMicrovolts, 5, 60);
        Assert.True(q[2].LineNoiseRatio > 0.4, q[2].ToString());
        Assert.Equal(["flat"], q[1].FlagNames);
    }

    [Fact]
    public void A_pure_sine_is_not_railed_but_a_clipped_one_is()
    {
        var d = new StreamDescription("q", "EEG", ["sine", "clipped"], Rate);
        var data = Signal(3 * 250, 2, (c, f) => c == 0 ? 30 * Math.Sin(2 * Math.PI * 10 * f / Rate) : Math.Clamp(60 * Math.Sin(2 * Math.PI * 10 * f / Rate), -30, 30));
        var q = Measure(d, data);
        Assert.Equal(QualityFlags.None, q[0].Flags);
        Assert.Equal(0, q[0].RailedFraction);
        Assert.Equal(QualityFlags.Railed, q[1].Flags);
        Assert.True(q[1].RailedFraction > 0.3, q[1].ToString());
    }

    [Fact]
    public void Thresholds_apply_in_microvolts_whatever_the_unit()
    {
        // 15 µV of EEG written in volts is not flat; 0.1 µV written in microvolts is.
        var d = new StreamDescription("q", "EEG", ["volts", "microvolts", "millivolts"], Rate, channelUnits: ["V", "microvolts", "mV"]);
        var eeg = Eeg(1);
        var data = Signal(2 * 250, 3, (c, f) => c switch { 0 => eeg(f) * 1e-6, 1 => eeg(f) * 0.005, _ => eeg(f) * 1e-3 });
        var q = Measure(d, data);
        Assert.Equal(QualityFlags.None, q[0].Flags);
        Assert.Equal(QualityFlags.Flat, q[1].Flags);
        Assert.Equal(QualityFlags.None, q[2].Flags);
        Assert.InRange(q[0].StdMicrovolts, 5, 60);
        Assert.Equal(q[0].StdMicrovolts, q[2].StdMicrovolts, 2);
    }

    [Fact]
    public void Non_finite_samples_leave_the_block_unjudged_instead_of_poisoning_it()
    {
        var d = new StreamDescription("q", "EEG", ["nan", "good"], Rate);
        var eeg = Eeg(3);
        var data = Signal(2 * 250, 2, (c, f) => c == 0 ? double.NaN : eeg(f));
        var q = Measure(d, data);
        Assert.Equal(QualityFlags.None, q[0].Flags);
        Assert.True(double.IsNaN(q[0].StdMicrovolts));
        Assert.True(double.IsFinite(q[1].StdMicrovolts));
    }

    [Fact]
    public void The_result_does_not_depend_on_how_the_stream_is_chunked()
    {
        var d = new StreamDescription("q", "EEG", ["a", "b"], Rate);
        var eeg = Eeg(4);
        var data = Signal(3 * 250 + 17, 2, (c, f) => c == 0 ? eeg(f) : eeg(f) + 30 * Math.Sin(2 * Math.PI * 50 * f / Rate));
        var reference = Measure(d, data, chunkFrames: 250);
        Gen.Int[1, 97].Sample(size => Assert.Equal(reference, Measure(d, data, chunkFrames: size)), iter: 40);
    }

    [Fact]
    public void Measuring_allocates_nothing_per_chunk()
    {
        var d = new StreamDescription("q", "EEG", Enumerable.Range(0, 22).Select(i => $"E{i}").ToArray(), Rate);
        var monitor = new SignalQualityMonitor(d);
        var chunk = new SignalChunk(d, 10);
        chunk.Reset(d, 10);
        var rnd = new Random(2);
        for (var i = 0; i < chunk.Samples.Length; i++) chunk.Samples[i] = (float)(rnd.NextDouble() * 20);
        for (var i = 0; i < 100; i++) monitor.Process(chunk); // warm-up: JIT, a few blocks
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++) monitor.Process(chunk);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(monitor.Blocks >= 80);
    }

    [Fact]
    public void Operator_measures_and_passes_the_same_chunks_on()
    {
        var d = new StreamDescription("q", "EEG", ["a"], Rate);
        var monitor = new SignalQualityMonitor(d);
        var chunks = SignalBuilder.Chunk(d, new float[500], SignalBuilder.Times(500, Rate), [25]);
        var subject = new System.Reactive.Subjects.Subject<SignalChunk>();
        var seen = new List<SignalChunk>();
        using var _ = subject.MeasureQuality(monitor).Subscribe(seen.Add);
        foreach (var c in chunks) subject.OnNext(c);
        Assert.Equal(chunks, seen);
        Assert.Equal(2, monitor.Blocks);
        Assert.Equal(QualityFlags.Flat, monitor.Snapshot()[0].Flags);
    }
}
