using Pipeline.Core.Evaluation;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Evaluation;

/// <summary>Scoring a session against its cues: which windows belong to a trial, per-window and per-trial accuracy.</summary>
public sealed class OnlineAccuracyTests
{
    private static readonly string[] Classes = ["left", "right"];

    private static Prediction Window(double start, double end, float left)
    {
        var p = new Prediction("probabilities", Classes) { StartTime = start, EndTime = end };
        p.Values[0] = left;
        p.Values[1] = 1 - left;
        return p;
    }

    [Fact]
    public void Windows_inside_a_cued_epoch_are_scored_others_not_and_trials_take_the_argmax_of_summed_probabilities()
    {
        // Cues T1 = left, T2 = right; the epoch is [cue + 0.5, cue + 4.5]; a window counts with 75 % of it inside.
        var accuracy = new OnlineAccuracy(new Dictionary<string, int> { ["T1"] = 0, ["T2"] = 1 }, 2, 0.5, 4.5);
        Assert.Null(accuracy.WindowAccuracy);
        Assert.Null(accuracy.TrialAccuracy);
        accuracy.OnMarker(new Marker(10, "T1"));
        accuracy.OnMarker(new Marker(11, "rest")); // not a class: ignored
        Assert.True(accuracy.HasCues);

        var before = Window(6, 10, 0.9f);        // ends at the cue: outside the epoch
        Assert.Equal(-1, accuracy.OnPrediction(before, Classes));
        Assert.Null(before.Truth);
        var partly = Window(9, 13, 0.9f);        // 2.5 s of 4 inside: below 75 %
        Assert.Equal(-1, accuracy.OnPrediction(partly, Classes));
        var inside = Window(10.5, 14.5, 0.8f);   // all inside, right
        Assert.Equal(0, accuracy.OnPrediction(inside, Classes));
        Assert.Equal("left", inside.Truth);
        var mostly = Window(11.25, 15.25, 0.2f); // 3.25 s inside (81 %), wrong
        Assert.Equal(0, accuracy.OnPrediction(mostly, Classes));

        accuracy.OnMarker(new Marker(20, "T2"));
        Assert.Equal(1, accuracy.OnPrediction(Window(20.5, 24.5, 0.3f), Classes));
        Assert.Equal(1, accuracy.OnPrediction(Window(20.75, 24.75, 0.45f), Classes));

        Assert.Equal(4, accuracy.Windows);
        Assert.Equal(3 / 4.0, accuracy.WindowAccuracy);
        // Trial 1: summed left 0.8 + 0.2 = 1.0 vs right 1.0 → a tie goes to the first class (left, correct); trial 2: right.
        Assert.Equal(2, accuracy.WindowTrials);
        Assert.Equal(1.0, accuracy.WindowTrialAccuracy);
        // Sliding windows alone score no trial by its epoch.
        Assert.Equal(0, accuracy.Trials);
        Assert.Null(accuracy.TrialAccuracy);
        // A trial that no window reached is not counted, but its cue is.
        accuracy.OnMarker(new Marker(100, "T1"));
        Assert.Equal(2, accuracy.WindowTrials);
        Assert.Equal(3, accuracy.Cues);
        Assert.Throws<ArgumentException>(() => new OnlineAccuracy(new Dictionary<string, int>(), 2, 1, 1));
    }

    [Fact]
    public void A_trial_is_scored_by_the_argmax_of_its_epochs_prediction_and_unmapped_cues_are_not_trials()
    {
        var accuracy = new OnlineAccuracy(new Dictionary<string, int> { ["T1"] = 0, ["T2"] = 1 }, 2, 0.5, 3.5);
        Assert.Equal(0, accuracy.OnTrial("T1", 4.1, [0.7f, 0.3f]));   // left, correct
        Assert.Equal(1, accuracy.OnTrial("T2", 12.3, [0.6f, 0.4f]));  // right cued, left predicted: wrong
        Assert.Equal(1, accuracy.OnTrial("T2", 20.5, [0.2f, 0.8f]));  // right, correct
        Assert.Equal(-1, accuracy.OnTrial("T0", 28.7, [0.9f, 0.1f])); // rest: no trial
        Assert.Equal(3, accuracy.Trials);
        Assert.Equal(2 / 3.0, accuracy.TrialAccuracy);
        Assert.Equal([true, false, true], accuracy.TrialResults.Select(t => t.Correct));
        Assert.Equal([4.1, 12.3, 20.5], accuracy.TrialResults.Select(t => t.CueTime));
        Assert.Equal(1, accuracy.TrialResults[1].Class);
        Assert.Equal(0, accuracy.TrialResults[1].Predicted);
        Assert.Equal(-1, accuracy.ClassOf("T0"));
        Assert.Equal(1, accuracy.ClassOf("T2"));
    }
}
