using CsCheck;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Decisions;

public class DecisionMakerTests
{
    private static readonly string[] Classes = ["left", "right", "rest"];

    private static Prediction P(double t, long index, params float[] p)
    {
        var pred = new Prediction("probabilities", Classes) { EndTime = t, WindowIndex = index, Session = "s" };
        p.CopyTo(pred.Values, 0);
        return pred;
    }

    [Fact]
    public void Mean_smoothing_decides_only_on_a_full_history_and_above_threshold()
    {
        var d = new DecisionMaker(Classes, new DecisionOptions { WindowCount = 3, Threshold = 0.6, RefractorySeconds = 0 });
        Assert.Null(d.Update(P(0.25, 0, 0.9f, 0.05f, 0.05f)));
        Assert.Null(d.Update(P(0.50, 1, 0.9f, 0.05f, 0.05f)));
        var c = d.Update(P(0.75, 2, 0.3f, 0.6f, 0.1f)); // mean left = 0.7
        Assert.NotNull(c);
        Assert.Equal("left", c.Name);
        Assert.Equal(0.7f, c.Confidence, 4);
        Assert.Equal(0.75, c.Time);
        Assert.Equal(2, c.WindowIndex);
    }

    [Fact]
    public void Majority_votes_and_confidence_is_the_vote_share()
    {
        var d = new DecisionMaker(Classes, new DecisionOptions { Smoothing = SmoothingMode.Majority, WindowCount = 4, Threshold = 0.7, RefractorySeconds = 0 });
        d.Update(P(1, 0, 0.4f, 0.5f, 0.1f));
        d.Update(P(2, 1, 0.4f, 0.5f, 0.1f));
        d.Update(P(3, 2, 0.4f, 0.5f, 0.1f));
        var c = d.Update(P(4, 3, 0.6f, 0.3f, 0.1f)); // 3 of 4 votes for right
        Assert.NotNull(c);
        Assert.Equal("right", c.ClassName);
        Assert.Equal(0.75f, c.Confidence, 5);
    }

    [Fact]
    public void Refractory_period_suppresses_commands_in_signal_time()
    {
        var d = new DecisionMaker(Classes, new DecisionOptions { WindowCount = 1, Threshold = 0.5, RefractorySeconds = 1.0 });
        Assert.NotNull(d.Update(P(10.0, 0, 0.9f, 0.05f, 0.05f)));
        Assert.Null(d.Update(P(10.5, 1, 0.9f, 0.05f, 0.05f)));
        Assert.Null(d.Update(P(10.99, 2, 0.05f, 0.9f, 0.05f)));
        Assert.NotNull(d.Update(P(11.0, 3, 0.05f, 0.9f, 0.05f)));
    }

    [Fact]
    public void Rest_class_never_commands_and_command_names_map()
    {
        var d = new DecisionMaker(Classes, new DecisionOptions
        {
            WindowCount = 1, Threshold = 0.5, RefractorySeconds = 0, RestClass = "rest",
            CommandNames = new Dictionary<string, string> { ["left"] = "TURN_LEFT" },
        });
        Assert.Null(d.Update(P(1, 0, 0.1f, 0.1f, 0.8f)));
        Assert.Equal("TURN_LEFT", d.Update(P(2, 1, 0.8f, 0.1f, 0.1f))!.Name);
        Assert.Equal("right", d.Update(P(3, 2, 0.1f, 0.8f, 0.1f))!.Name);
    }

    [Fact]
    public void Unknown_rest_class_and_bad_settings_are_clear_errors()
    {
        var e = Assert.Throws<PipelineException>(() => new DecisionMaker(Classes, new DecisionOptions { RestClass = "idle" }));
        Assert.Contains("'idle'", e.Message);
        Assert.Throws<PipelineException>(() => new DecisionMaker(Classes, new DecisionOptions { WindowCount = 0 }));
        Assert.Throws<PipelineException>(() => new DecisionMaker(Classes, new DecisionOptions { Threshold = 1.5 }));
    }

    [Fact]
    public void Property_commands_respect_threshold_refractory_and_rest()
    {
        Gen.Select(Gen.Int[1, 6], Gen.Double[0, 1], Gen.Double[0, 3], Gen.Float[0, 1].Array[3].Array[1, 200])
            .Sample((k, threshold, refractory, probs) =>
            {
                var d = new DecisionMaker(Classes, new DecisionOptions { WindowCount = k, Threshold = threshold, RefractorySeconds = refractory, RestClass = "rest" });
                var last = double.NegativeInfinity;
                for (var i = 0; i < probs.Length; i++)
                {
                    var t = i * 0.25;
                    var c = d.Update(P(t, i, probs[i]));
                    if (c is null) continue;
                    if (i < k - 1) return false;
                    if (c.ClassName == "rest" || c.Confidence < threshold || t - last < refractory) return false;
                    // The decided class is the argmax of the mean of the last k windows.
                    var mean = new double[3];
                    for (var w = i - k + 1; w <= i; w++) for (var j = 0; j < 3; j++) mean[j] += probs[w][j] / k;
                    if (Math.Abs(mean[Array.IndexOf(Classes, c.ClassName)] - mean.Max()) > 1e-5) return false;
                    last = t;
                }
                return true;
            });
    }
}
