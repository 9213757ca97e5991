using System.Text.Json.Nodes;
using Pipeline.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pipeline.Tests.Sessions;

/// <summary>
/// Issue 11, "what must be shown": a held-out subject's R12 replayed through a fold model that never saw them gives, trial
/// by trial and window by window, the probabilities Python computed for the same model with the same online alignment
/// (<c>r12.json</c>, written by <c>models/dbconformer/fold_models.py</c> beside the model). Fold 0's model (it never
/// saw S001, S006, S011 or S016) is committed in <c>models/dbconformer/heldout-f0/</c> (<c>fold_models.py --publish 0</c>),
/// so this runs wherever <c>../shared/data</c> is; <c>PIPELINE_FOLD_MODEL</c> names another fold's .onnx instead.
/// </summary>
public sealed class HeldOutSubjectReplayTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-heldout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [FoldModelFact]
    public void Every_held_out_subjects_replay_gives_pythons_online_trial_and_window_probabilities()
    {
        var model = FoldModelFactAttribute.ModelPath!;
        var python = JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(model)!, "r12.json")))!;
        // Every held-out subject with an R12 in the shared data (S001 has none): S006, S011 and S016 for fold 0.
        var subjects = python["subjects"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(subjects);
        int correct = 0, total = 0;
        foreach (var subject in subjects)
        {
            var (c, n) = Replay(model, subject, python["subjects"]![subject]!);
            correct += c;
            total += n;
        }
        output.WriteLine($"pooled over {string.Join(", ", subjects)}: {correct}/{total} = {(double)correct / total:F3}");
    }

    private (int Correct, int Trials) Replay(string model, string subject, JsonNode expected)
    {
        var jsonl = Path.Combine(_dir, subject + ".jsonl");
        var r = PipelineCli.Run("replay", SharedData.File("eeg", "eegmmidb", subject, subject + "R12.edf"), "--model", model,
            "--markers", "T1,T2", "--classes", "left,right", "--fast", "--quiet", "--out", jsonl);
        Assert.True(r.ExitCode == 0, r.All);
        var lines = File.ReadLines(jsonl).Select(l => JsonNode.Parse(l)!).ToList();
        var trials = lines.Where(l => (string?)l["type"] == "trial").ToList();
        var windows = lines.Where(l => (string?)l["type"] == "prediction").ToList();
        var summary = lines.Single(l => (string?)l["type"] == "summary");

        var pTrials = expected["online_p_right"]!.AsArray().Select(v => (double)v!).ToArray();
        var y = expected["y"]!.AsArray().Select(v => (int)v!).ToArray();
        Assert.Equal(pTrials.Length, trials.Count);
        for (var i = 0; i < trials.Count; i++)
        {
            Assert.Equal(y[i] == 0 ? "left" : "right", (string?)trials[i]["truth"]);
            Assert.Equal(pTrials[i], (double)trials[i]["values"]!["right"]!, 1e-5);
        }
        var pWindows = expected["windows"]!["p_right"]!.AsArray().Select(v => (double)v!).ToArray();
        var ends = expected["windows"]!["end_seconds"]!.AsArray().Select(v => (double)v!).ToArray();
        Assert.Equal(pWindows.Length, windows.Count);
        for (var i = 0; i < windows.Count; i++)
        {
            // Python's end is the time after the window's last sample; t_end is that sample's own time stamp.
            Assert.Equal(ends[i], (double)windows[i]["t_end"]! + 1 / 160.0, 6);
            Assert.Equal(pWindows[i], (double)windows[i]["values"]!["right"]!, 1e-5);
        }
        var accuracy = (double)expected["online_accuracy"]!;
        var pipeline = (double)summary["trial_accuracy"]!;
        output.WriteLine($"{subject} R12: pipeline trial accuracy {pipeline:F3}, Python online {accuracy:F3}, offline {(double)expected["offline_accuracy"]!:F3}");
        Assert.Equal(accuracy, pipeline, 9);
        Assert.Equal(0, (long)summary["guarded_windows"]!);
        return ((int)Math.Round(pipeline * trials.Count), trials.Count);
    }
}

/// <summary>A fact that needs <c>../shared/data</c> and a fold model with its <c>r12.json</c>; skipped with the reason otherwise.</summary>
public sealed class FoldModelFactAttribute : FactAttribute
{
    /// <summary>PIPELINE_FOLD_MODEL, or fold 0's committed model (models/dbconformer/heldout-f0/); null when absent.</summary>
    public static string? ModelPath { get; } = Find();

    public FoldModelFactAttribute()
    {
        if (!SharedData.Available) Skip = SharedData.SkipReason;
        else if (ModelPath is null)
            Skip = "needs a fold model that never saw the subject with r12.json beside it: models/dbconformer/heldout-f0/ is missing, or PIPELINE_FOLD_MODEL names a file that does not exist";
    }

    private static string? Find()
    {
        var path = Environment.GetEnvironmentVariable("PIPELINE_FOLD_MODEL") is { Length: > 0 } p ? p
            : Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer", "heldout-f0", "dbconformer-eegmmidb-lr-f0.onnx");
        return File.Exists(path) && File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "r12.json")) ? Path.GetFullPath(path) : null;
    }
}
