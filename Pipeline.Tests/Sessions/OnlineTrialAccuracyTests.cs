using System.Text.Json.Nodes;
using Pipeline.Core.Inference;
using Pipeline.Core.Preprocessing;
using Pipeline.Tests.Infrastructure;
using Pipeline.Tests.Npz;
using Xunit.Abstractions;

namespace Pipeline.Tests.Sessions;

/// <summary>
/// Issue 11, item 4: the trial accuracy that <c>pipeline replay --markers T1,T2 --classes left,right</c> prints for a
/// real recording equals the offline accuracy of the same model on the same trials, cut by <c>pipeline epochs</c>, with
/// the same alignment state: per trial, the same probabilities.
/// </summary>
public sealed class OnlineTrialAccuracyTests(ITestOutputHelper output) : IDisposable
{
    private const double Rate = 160, TMin = 0.5;
    private const int Samples = 1000, Hop = 40; // the demo network's 1000-sample input; 0.25 s hops at 160 Hz
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-trials-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Recording => SharedData.File("eeg", "eegmmidb", "S002", "S002R12.edf");

    /// <summary>
    /// A real network with a card for EEGMMIDB: the demo DBConformer (22 channels x 1000 samples) on the same 22 labels at
    /// 160 Hz, so its window is 6.25 s from cue + 0.5 s; alignment online (a diagonal reference of weight 20) or offline
    /// (the demo's fixed matrix). Its accuracy on real data is not the point (it was trained on simulated EEG); that
    /// the online and offline paths agree trial by trial is.
    /// </summary>
    private string Model(string mode) => DemoModelVariant.Write(_dir, $"eegmmidb-{mode}", mode, edit: DemoModelVariant.Eegmmidb);

    [SharedDataTheory]
    [InlineData("online")]
    [InlineData("offline")]
    public void Replay_trial_accuracy_equals_the_offline_accuracy_on_the_epochs_pipeline_epochs_cuts(string mode)
    {
        var modelPath = Model(mode);
        var card = ModelCard.Load(ModelCard.PathFor(modelPath));
        var channels = string.Join(",", card.Channels);

        // Online: the session cuts, aligns and classifies each cue's epoch while it replays the run.
        var jsonl = Path.Combine(_dir, "replay.jsonl");
        var replay = PipelineCli.Run("replay", Recording, "--model", modelPath, "--markers", "T1,T2", "--classes", "left,right", "--fast", "--quiet", "--out", jsonl);
        Assert.True(replay.ExitCode == 0, replay.All);
        var lines = File.ReadLines(jsonl).Select(l => JsonNode.Parse(l)!).ToList();
        var trials = lines.Where(l => (string)l["type"]! == "trial").ToList();
        var summary = lines.Single(l => (string)l["type"]! == "summary");

        // Offline: pipeline epochs cuts the same trials, and (the T0 at 0 s with tmax = the run's length) the whole
        // filtered run, from which the sliding windows and so the online alignment state are recomputed here.
        var epochsPath = Path.Combine(_dir, "trials.npz");
        var r = PipelineCli.Run("epochs", Recording, "--markers", "T1,T2", "--classes", "left,right", "--tmin", "0.5", "--tmax", (TMin + Samples / Rate).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--band", "8", "30", "--channels", channels, "--out", epochsPath);
        Assert.True(r.ExitCode == 0, r.All);
        var continuousPath = Path.Combine(_dir, "continuous.npz");
        r = PipelineCli.Run("epochs", Recording, "--markers", "T0", "--tmin", "0", "--tmax", "123", "--band", "8", "30", "--channels", channels, "--out", continuousPath);
        Assert.True(r.ExitCode == 0, r.All);
        var epochs = NpyTestArray.ReadNpz(epochsPath);
        var x = epochs["X"].Floats();
        var y = epochs["y"].Longs();
        var onsets = epochs["onsets"].Doubles();
        var cueTimes = epochs["cue_times"].Doubles();
        var continuous = NpyTestArray.ReadNpz(continuousPath);
        var signal = continuous["X"].Floats();
        var total = continuous["X"].Shape[2];
        var c = card.Channels.Count;
        Assert.Equal(trials.Count, y.Length);

        using var runner = ModelRunner.Load(modelPath);
        var online = mode == "online" ? OnlineEuclideanAlignment.FromCard(card) : null;
        var fixedMatrix = card.Preprocessing.Alignment!.Matrix!.SelectMany(row => row.Select(v => (double)v)).ToArray();
        var window = new float[c * Samples];
        var aligned = new float[c * Samples];
        var probabilities = new float[2];
        var nextWindow = 0;
        var correct = 0;
        double worst = 0;
        for (var i = 0; i < y.Length; i++)
        {
            var first = (int)Math.Round((onsets[i] + TMin) * Rate);
            var epoch = x.AsSpan(i * c * Samples, c * Samples);
            for (var ch = 0; ch < c; ch++)
            {
                // What pipeline epochs cut is the continuous filtered run at [first, first + samples), bit for bit.
                Assert.True(epoch.Slice(ch * Samples, Samples).SequenceEqual(signal.AsSpan(ch * total + first, Samples)), $"trial {i} channel {ch}");
            }
            if (online is not null)
            {
                // The sliding windows (every 40 samples from the first) that end by the epoch's last sample, in order.
                for (; nextWindow + Samples <= first + Samples; nextWindow += Hop)
                {
                    for (var ch = 0; ch < c; ch++) signal.AsSpan(ch * total + nextWindow, Samples).CopyTo(window.AsSpan(ch * Samples));
                    online.Align(window, aligned, Samples);
                }
                online.AlignWithCurrent(epoch, aligned, Samples);
            }
            else
            {
                new OnlineEuclideanAlignment(c).AlignWith(fixedMatrix, epoch, aligned, Samples);
            }
            runner.Run(aligned, probabilities);
            var predicted = probabilities[1] > probabilities[0] ? 1 : 0;
            if (predicted == y[i]) correct++;
            var t = trials[i];
            Assert.Equal(cueTimes[i], (double)t["t_cue"]!, 9);
            Assert.Equal(y[i] == 0 ? "left" : "right", (string)t["truth"]!);
            Assert.Equal(predicted == 0 ? "left" : "right", (string)t["label"]!);
            worst = Math.Max(worst, Math.Abs(probabilities[0] - (double)t["values"]!["left"]!));
            worst = Math.Max(worst, Math.Abs(probabilities[1] - (double)t["values"]!["right"]!));
        }
        var offline = (double)correct / y.Length;
        output.WriteLine($"{mode}: {y.Length} trials, online trial accuracy {(double)summary["trial_accuracy"]!:F4}, offline {offline:F4}, largest |p_online - p_offline| {worst:E2}; sliding-window trial accuracy {(double)summary["window_trial_accuracy"]!:F4}");
        Assert.Equal(y.Length, (int)summary["trials"]!);
        Assert.Equal(offline, (double)summary["trial_accuracy"]!, 12);
        Assert.True(worst <= 1e-5, $"largest difference of a probability {worst:E2}");
        Assert.Equal(mode == "online" ? "online" : null, (string?)summary["alignment"]);
    }
}
