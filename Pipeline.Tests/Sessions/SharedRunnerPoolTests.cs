using Pipeline.Core.Audio;
using Pipeline.Core.Inference;
using Pipeline.Host.Sessions;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Sessions;

/// <summary>The service's pool: one batching runner per model and device, shared by leases, closed by the last one.</summary>
/// <remarks>Runs alone: other tests (the XDF recorder's, serve's) lease the same process-wide pool and would move its count.</remarks>
[Collection(RunsAlone.Name)]
public sealed class SharedRunnerPoolTests
{
    private static string DemoModel => Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx");
    private static string Keywords => Path.Combine(SharedData.RepositoryRoot, "models", "ssl", "kws-hconv.onnx");

    [Fact]
    public void Sessions_of_one_model_share_a_runner_the_last_lease_disposes_it_and_speech_models_get_their_own()
    {
        var before = SharedRunnerPool.Count;
        var a = SharedRunnerPool.Acquire(DemoModel, new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 1 }, null);
        // The same file by another path is the same model.
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, DemoModel);
        var b = SharedRunnerPool.Acquire(relative, new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 1 }, null);
        Assert.Same(a.Runner, b.Runner);
        Assert.IsType<ModelRunner>(a.Runner.Model);
        var speech = SharedRunnerPool.AcquireSpeech(Keywords, new ModelRunnerOptions(), new BatchingOptions(), null);
        Assert.IsType<SslKeywordModel>(speech.Runner.Model);
        Assert.Equal(before + 2, SharedRunnerPool.Count);

        a.Dispose();
        a.Dispose(); // twice is once
        var window = new float[b.Runner.Model.WindowValues];
        using (var client = b.Runner.Connect("still-here", (in WindowTicket _, ReadOnlySpan<float> _) => { }, blockWhenFull: true))
        {
            client.Submit(window, new WindowTicket(0, 0, 0, 0));
            client.WaitIdle(CancellationToken.None);
            Assert.Equal(1, client.Completed); // the runner still runs for the other lease
        }
        b.Dispose();
        speech.Dispose();
        Assert.Equal(before, SharedRunnerPool.Count);
        // A new lease after the last one ended loads the model again.
        using var c = SharedRunnerPool.Acquire(DemoModel, new ModelRunnerOptions(), new BatchingOptions { MaxBatch = 1 }, null);
        Assert.NotSame(b.Runner, c.Runner);
    }
}
