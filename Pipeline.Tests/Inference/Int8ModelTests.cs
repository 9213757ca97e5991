using System.Text.Json;
using Pipeline.Core.Inference;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Inference;

/// <summary>
/// The demo model's int8 variant (models/dbconformer/quantize.py): ONNX Runtime's integer arithmetic against the
/// PyTorch emulation saved in its golden file, and its decisions against the float model's.
/// </summary>
public class Int8ModelTests
{
    private static string FloatPath => Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx");
    private static string Int8Path => Path.Combine(SharedData.RepositoryRoot, "models", "dbconformer-demo-int8.onnx");

    [Fact]
    public void Int8_model_computes_what_the_quantisation_emulated_and_decides_as_the_float_model()
    {
        var q = GoldenFile.Load(Path.ChangeExtension(Int8Path, ".golden.json"));
        var f = GoldenFile.Load(Path.ChangeExtension(FloatPath, ".golden.json"));
        Assert.Equal(f.Eeg, q.Eeg);
        var (n, c, t, k) = (q.InputShape[0], q.InputShape[1], q.InputShape[2], q.Classes);
        using var runner = ModelRunner.Load(Int8Path, new ModelRunnerOptions { BatchSizes = [1, n] });
        var bucket = runner.BucketFor(n);
        for (var i = 0; i < n; i++) q.Eeg.AsSpan(i * c * t, c * t).CopyTo(runner.InputSlot(bucket, i));
        runner.RunBucket(bucket);
        for (var i = 0; i < n; i++)
        {
            var p = runner.Probabilities(bucket, i);
            for (var j = 0; j < k; j++)
                Assert.True(Math.Abs(p[j] - q.Probabilities[i * k + j]) <= q.AbsoluteTolerance,
                    $"window {i} class {j}: ONNX Runtime {p[j]} vs emulation {q.Probabilities[i * k + j]}");
            // Quantisation moves a probability by little: the same class wins as with the float model.
            Assert.Equal(ArgMax(f.Probabilities.AsSpan(i * k, k)), ArgMax(p));
        }
    }

    [Fact]
    public void Int8_card_is_the_float_card_plus_its_quantisation_and_calibration()
    {
        var floatCard = ModelCard.Load(ModelCard.PathFor(FloatPath));
        var card = ModelCard.Load(ModelCard.PathFor(Int8Path));
        Assert.Equal(floatCard.Channels, card.Channels);
        Assert.Equal(floatCard.Classes, card.Classes);
        Assert.Equal(floatCard.Window, card.Window);
        using var doc = JsonDocument.Parse(File.ReadAllText(ModelCard.PathFor(Int8Path)));
        var quantization = doc.RootElement.GetProperty("quantization");
        Assert.True(quantization.GetProperty("calibration").GetProperty("windows").GetInt32() > 0);
        foreach (var tensor in new[] { "input", "pointwise", "depthwise", "s_conv" })
            Assert.True(quantization.GetProperty("calibration").GetProperty("ranges").GetProperty(tensor).GetProperty("scale").GetDouble() > 0);
        var test = quantization.GetProperty("test");
        var floatAccuracy = test.GetProperty("float").GetProperty("accuracy").GetDouble();
        var int8Accuracy = test.GetProperty("int8").GetProperty("accuracy").GetDouble();
        Assert.True(Math.Abs(floatAccuracy - int8Accuracy) <= 0.01, $"float {floatAccuracy}, int8 {int8Accuracy}");
    }

    private static int ArgMax(ReadOnlySpan<float> p)
    {
        var best = 0;
        for (var i = 1; i < p.Length; i++) if (p[i] > p[best]) best = i;
        return best;
    }
}
