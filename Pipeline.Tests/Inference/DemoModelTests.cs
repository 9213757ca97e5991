using Pipeline.Core.Inference;
using Pipeline.Core.Preprocessing;
using Pipeline.Core.Signals;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Inference;

/// <summary>The committed demo model through our runner, against the outputs PyTorch saved when it was exported.</summary>
public class DemoModelTests
{
    private static string ModelPath => Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx");
    private static string GoldenPath => Path.ChangeExtension(ModelPath, ".golden.json");

    [Fact]
    public void Golden_inputs_give_the_pytorch_outputs_within_1e4_at_batch_1_and_as_one_batch()
    {
        var golden = GoldenFile.Load(GoldenPath);
        var (n, c, t) = (golden.InputShape[0], golden.InputShape[1], golden.InputShape[2]);
        var k = golden.Classes;
        using (var runner = ModelRunner.Load(ModelPath))
        {
            Assert.Equal(c, runner.Channels);
            Assert.Equal(t, runner.Samples);
            var probabilities = new float[k];
            for (var i = 0; i < n; i++)
            {
                runner.Run(golden.Eeg.AsSpan(i * c * t, c * t), probabilities);
                for (var j = 0; j < k; j++)
                    Assert.True(Math.Abs(probabilities[j] - golden.Probabilities[i * k + j]) <= 1e-4,
                        $"window {i} class {j}: {probabilities[j]} vs PyTorch {golden.Probabilities[i * k + j]}");
            }
        }
        using var batched = ModelRunner.Load(ModelPath, new ModelRunnerOptions { BatchSizes = [1, n] });
        var bucket = batched.BucketFor(n);
        Assert.Equal(n, batched.BucketSize(bucket));
        for (var i = 0; i < n; i++) golden.Eeg.AsSpan(i * c * t, c * t).CopyTo(batched.InputSlot(bucket, i));
        batched.RunBucket(bucket);
        for (var i = 0; i < n; i++)
        {
            var p = batched.Probabilities(bucket, i);
            for (var j = 0; j < k; j++) Assert.True(Math.Abs(p[j] - golden.Probabilities[i * k + j]) <= 1e-4);
        }
    }

    [Fact]
    public void Alignment_matrix_from_the_card_maps_raw_to_the_model_input_as_in_python()
    {
        var golden = GoldenFile.Load(GoldenPath);
        var card = ModelCard.Load(ModelCard.PathFor(ModelPath));
        var (c, t) = (golden.InputShape[1], golden.InputShape[2]);
        var alignment = new EuclideanAlignment(card.Preprocessing.Alignment!.Matrix!.SelectMany(r => r).ToArray(), c);
        var aligned = new float[c * t];
        for (var i = 0; i < golden.Count; i++)
        {
            alignment.Apply(golden.Raw.AsSpan(i * c * t, c * t), aligned, t);
            var expected = golden.Eeg.AsSpan(i * c * t, c * t);
            var worst = 0.0;
            for (var j = 0; j < aligned.Length; j++) worst = Math.Max(worst, Math.Abs(aligned[j] - expected[j]));
            Assert.True(worst < 1e-3, $"epoch {i}: largest difference {worst}");
        }
    }

    [Fact]
    public void Card_describes_the_model_and_records_the_exact_parameter_count()
    {
        var card = ModelCard.Load(ModelCard.PathFor(ModelPath));
        Assert.Equal("pipeline-model-card/1", card.Format);
        Assert.Equal("DBConformer", card.Architecture);
        Assert.Equal(22, card.Channels.Count);
        Assert.Equal(250, card.Rate);
        Assert.Equal(1000, card.Window.Samples);
        Assert.Equal(["left", "right"], card.Classes);
        // DBConformer at depth 2 for 22 channels, 8 patches of 125 samples, 2 classes (docs/dbconformer.md).
        Assert.Equal(93_747, card.Parameters);
        Assert.Equal(["logits", "probabilities"], card.Outputs);
    }

    [Fact]
    public void Stream_that_does_not_fit_the_card_is_refused_naming_every_mismatch()
    {
        using var runner = ModelRunner.Load(ModelPath);
        var labels = runner.Card.Channels.Where(l => l is not "C3" and not "Cz").ToArray();
        var stream = new StreamDescription("amp", "EEG", labels, 500);
        var e = Assert.Throws<PipelineException>(() => runner.CheckStream(stream, 2000, (have, want) => want.Where(w => !have.Contains(w)).ToList()));
        Assert.Contains("C3", e.Message);
        Assert.Contains("Cz", e.Message);
        Assert.Contains("500 Hz", e.Message);
        Assert.Contains("2000 samples", e.Message);
    }

    [Fact]
    public void Missing_or_corrupt_model_and_missing_card_are_clear_errors()
    {
        var dir = Directory.CreateTempSubdirectory("pipeline-model-");
        try
        {
            var missing = Path.Combine(dir.FullName, "nope.onnx");
            Assert.Contains("does not exist", Assert.Throws<PipelineException>(() => ModelRunner.Load(missing)).Message);

            var noCard = Path.Combine(dir.FullName, "nocard.onnx");
            File.Copy(ModelPath, noCard);
            Assert.Contains("model card", Assert.Throws<PipelineException>(() => ModelRunner.Load(noCard)).Message);

            var corrupt = Path.Combine(dir.FullName, "corrupt.onnx");
            var bytes = File.ReadAllBytes(ModelPath);
            File.WriteAllBytes(corrupt, bytes.AsSpan(0, bytes.Length / 3).ToArray());
            File.Copy(ModelCard.PathFor(ModelPath), ModelCard.PathFor(corrupt));
            Assert.Contains("could not be loaded", Assert.Throws<PipelineException>(() => ModelRunner.Load(corrupt)).Message);

            var badCard = Path.Combine(dir.FullName, "badcard.onnx");
            File.Copy(ModelPath, badCard);
            File.WriteAllText(ModelCard.PathFor(badCard), "{ \"channels\": [] ");
            Assert.Contains("not valid JSON", Assert.Throws<PipelineException>(() => ModelRunner.Load(badCard)).Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Cuda_request_on_the_cpu_build_falls_back_to_the_cpu_with_a_reason()
    {
        var lines = new List<string>();
        using var runner = ModelRunner.Load(ModelPath, new ModelRunnerOptions { Device = ExecutionDevice.Auto }, lines.Add);
        if (runner.Device == "cuda") return; // a GPU build on a GPU machine: nothing to fall back from
        Assert.Equal("cpu", runner.Device);
        Assert.NotNull(runner.FallbackReason);
        Assert.Single(lines);
        Assert.StartsWith("device: cpu", lines[0]);
    }
}
