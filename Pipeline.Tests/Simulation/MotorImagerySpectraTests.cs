using Pipeline.Sources.Simulation;
using Xunit.Abstractions;

namespace Pipeline.Tests.Simulation;

public class MotorImagerySpectraTests(ITestOutputHelper output)
{
    private static readonly Lazy<SimulationRecording> Long = new(() =>
        SimulationRecording.Trials(new MotorImagerySimulatorOptions { Seed = 3 }, 60));

    private static double MeanImageryMuPower(SimulationRecording rec, string channel, string cls)
    {
        var powers = rec.Markers.Where(m => m.Text == cls)
            .Select(m => SimulationRecording.BandVariance(rec.Segment(channel, rec.FrameOf(m.Timestamp) + 125, 750), rec.Rate, 8, 13))
            .ToList();
        Assert.True(powers.Count >= 15);
        return powers.Average();
    }

    [Fact]
    public void Mu_power_drops_over_the_contralateral_motor_cortex()
    {
        var rec = Long.Value;
        var c3Right = MeanImageryMuPower(rec, "C3", "right");
        var c3Left = MeanImageryMuPower(rec, "C3", "left");
        var c4Right = MeanImageryMuPower(rec, "C4", "right");
        var c4Left = MeanImageryMuPower(rec, "C4", "left");
        output.WriteLine($"mu power uV^2: C3 right {c3Right:F1} left {c3Left:F1}; C4 right {c4Right:F1} left {c4Left:F1}");
        Assert.True(c3Right < 0.7 * c3Left, "right-hand imagery should weaken mu at C3");
        Assert.True(c4Left < 0.7 * c4Right, "left-hand imagery should weaken mu at C4");
        // The midline is not lateralised.
        var czRight = MeanImageryMuPower(rec, "Cz", "right");
        var czLeft = MeanImageryMuPower(rec, "Cz", "left");
        Assert.InRange(czRight / czLeft, 0.75, 1.33);
    }

    [Fact]
    public void Feet_imagery_weakens_mu_at_Cz()
    {
        var options = new MotorImagerySimulatorOptions { Seed = 5, Classes = ["feet", "rest"] };
        var rec = SimulationRecording.Trials(options, 40);
        var feet = MeanImageryMuPower(rec, "Cz", "feet");
        var rest = MeanImageryMuPower(rec, "Cz", "rest");
        output.WriteLine($"Cz mu power: feet {feet:F1} rest {rest:F1}");
        Assert.True(feet < 0.7 * rest);
    }

    [Fact]
    public void Pz_shows_an_alpha_peak()
    {
        var rec = Long.Value;
        var psd = SimulationRecording.Welch(rec.Segment("Pz", 0, rec.FrameCount), 512);
        double Bin(double hz) => psd[(int)Math.Round(hz * 512 / rec.Rate)];
        var peak = Enumerable.Range(0, 9).Max(i => Bin(8 + 0.5 * i));
        var flanks = Math.Sqrt(Bin(5) * Bin(16)); // the 1/f line between the flanks, geometrically
        output.WriteLine($"Pz peak {peak:F1}, flanks {flanks:F1}");
        Assert.True(peak > 4 * flanks, $"alpha peak {peak:F2} vs flanks {flanks:F2}");
        // Alpha is posterior: stronger at Pz than at Fz.
        var fz = SimulationRecording.Welch(rec.Segment("Fz", 0, rec.FrameCount), 512);
        Assert.True(peak > 3 * fz[(int)Math.Round(10.0 * 512 / rec.Rate)]);
    }

    [Fact]
    public void Background_spectrum_falls_as_one_over_f()
    {
        var rec = Long.Value;
        var psd = SimulationRecording.Welch(rec.Segment("Fz", 0, rec.FrameCount), 512);
        var xs = new List<double>();
        var ys = new List<double>();
        for (var k = 1; k < psd.Length; k++)
        {
            var f = k * rec.Rate / 512;
            if (f < 2 || f > 40) continue;
            xs.Add(Math.Log10(f));
            ys.Add(Math.Log10(psd[k]));
        }
        var mx = xs.Average();
        var my = ys.Average();
        var slope = xs.Zip(ys).Sum(p => (p.First - mx) * (p.Second - my)) / xs.Sum(x => (x - mx) * (x - mx));
        output.WriteLine($"log-log slope 2-40 Hz at Fz: {slope:F2}");
        Assert.InRange(slope, -2.5, -0.5);
    }

    [Fact]
    public void Neighbouring_channels_are_correlated_and_distant_ones_much_less()
    {
        var rec = Long.Value;
        double Corr(string a, string b)
        {
            var x = rec.Segment(a, 0, 50_000);
            var y = rec.Segment(b, 0, 50_000);
            var mx = x.Average();
            var my = y.Average();
            var sxy = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
            return sxy / Math.Sqrt(x.Sum(v => (v - mx) * (v - mx)) * y.Sum(v => (v - my) * (v - my)));
        }
        var near = Corr("C1", "Cz");
        var far = Corr("FC3", "POz");
        output.WriteLine($"corr C1-Cz {near:F2}, FC3-POz {far:F2}");
        Assert.True(near > 0.4);
        Assert.True(Math.Abs(far) < near / 2);
    }

    [Fact]
    public void Mu_log_variance_at_C3_and_C4_decodes_across_seeds()
    {
        var train = Features(1);
        var test = Features(2);
        var bandAccuracy = NearestMeanAccuracy(train, test, f => f.Band);
        var rawAccuracy = NearestMeanAccuracy(train, test, f => f.Raw);
        output.WriteLine($"nearest class mean, trained seed 1, tested seed 2 (100 trials each): mu-band log-var {bandAccuracy:P0}, raw log-var {rawAccuracy:P0}");
        Assert.True(bandAccuracy >= 0.85, $"mu-band accuracy {bandAccuracy:P0}");
        // Slow waves dominate the raw variance, as in real EEG: the information must be found in the mu band.
        Assert.True(rawAccuracy < 0.85, $"raw-variance accuracy {rawAccuracy:P0} makes the task trivial");
        Assert.True(bandAccuracy >= rawAccuracy + 0.1, $"mu band {bandAccuracy:P0} vs raw {rawAccuracy:P0}");
    }

    private static List<(string Class, double[] Band, double[] Raw)> Features(int seed)
    {
        var rec = SimulationRecording.Trials(new MotorImagerySimulatorOptions { Seed = seed }, 100);
        var result = new List<(string, double[], double[])>();
        foreach (var m in rec.Markers)
        {
            var start = rec.FrameOf(m.Timestamp) + 125; // 0.5 .. 3.5 s after the cue
            var c3 = rec.Segment("C3", start, 750);
            var c4 = rec.Segment("C4", start, 750);
            result.Add((m.Text,
                [Math.Log(SimulationRecording.BandVariance(c3, rec.Rate, 8, 13)), Math.Log(SimulationRecording.BandVariance(c4, rec.Rate, 8, 13))],
                [Math.Log(SimulationRecording.Variance(c3)), Math.Log(SimulationRecording.Variance(c4))]));
        }
        Assert.Equal(100, result.Count);
        return result;
    }

    private static double NearestMeanAccuracy(
        List<(string Class, double[] Band, double[] Raw)> train, List<(string Class, double[] Band, double[] Raw)> test,
        Func<(string Class, double[] Band, double[] Raw), double[]> feature)
    {
        var means = train.GroupBy(t => t.Class).ToDictionary(
            g => g.Key, g => Enumerable.Range(0, 2).Select(d => g.Average(t => feature(t)[d])).ToArray());
        var correct = test.Count(t =>
        {
            var x = feature(t);
            var best = means.MinBy(kv => kv.Value.Zip(x).Sum(p => (p.First - p.Second) * (p.First - p.Second))).Key;
            return best == t.Class;
        });
        return (double)correct / test.Count;
    }
}
