using System.Text.Json.Nodes;
using Pipeline.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pipeline.Tests.Sessions;

/// <summary>
/// Issue 11, "what must be shown": a held-out subject's R12 replayed through a fold model that never saw them gives, trial
/// by trial and window by window, the probabilities Python computed for the same model with the same online alignment
/// (<c>r12.json</c>, written by <c>models/dbconformer/fold_models.py</c> beside the model). The fold model is a training
/// artefact in the ignored <c>models/**/runs/</c> folder: the test runs where it exists (or where
/// <c>PIPELINE_FOLD_MODEL</c> names its .onnx) and skips with that reason elsewhere.
/// </summary>
public sealed class HeldOutSubjectReplayTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-heldout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [FoldModelFact]
    public void A_held_out_subjects_replay_gives_pythons_online_trial_and_window_probabilities()
    {
        var model = FoldModelFactAttribute.ModelPath!;
        var python = JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(model)!, "r12.json")))!;
        // The first held-out subject with an R12 in the shared data (S001 has none).
        var subject = python["subjects"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).First();
        var expected = python["subjects"]![subject]!;
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
        output.WriteLine($"{subject} R12: pipeline trial accuracy {(double)summary["trial_accuracy"]!:F3}, Python online {accuracy:F3}, offline {(double)expected["offline_accuracy"]!:F3}");
        Assert.Equal(accuracy, (double)summary["trial_accuracy"]!, 9);
        Assert.Equal(0, (long)summary["guarded_windows"]!);
    }
}

/// <summary>A fact that needs <c>../shared/data</c> and a fold model with its <c>r12.json</c>; skipped with the reason otherwise.</summary>
public sealed class FoldModelFactAttribute : FactAttribute
{
    /// <summary>PIPELINE_FOLD_MODEL, or fold 0's model where models/dbconformer/fold_models.py writes it; null when absent.</summary>
    public static string? ModelPath { get; } = Find();

    public FoldModelFactAttribute()
    {
        if (!SharedData.Available) Skip = SharedData.SkipReason;
        else if (ModelPath is null)
            Skip = "needs a fold model that never saw the subject (run models/dbconformer/fold_models.py, or set PIPELINE_FOLD_MODEL to its .onnx with r12.json beside it)";
    }

    private static string? Find()
    {
        var path = Environment.GetEnvironmentVariable("PIPELINE_FOLD_MODEL") is { Length: > 0 } p ? p
            : Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer", "runs", "xsubject", "fold-models", "f0", "dbconformer-eegmmidb-lr-f0.onnx");
        return File.Exists(path) && File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "r12.json")) ? Path.GetFullPath(path) : null;
    }
}
