using System.Runtime.InteropServices;
using System.Text.Json;

namespace Pipeline.Tests.Inference;

/// <summary>Reads a <c>pipeline-model-golden/1</c> file (inputs and PyTorch outputs, base64 float32).</summary>
public sealed class GoldenFile
{
    public required int Count { get; init; }
    public required float[] Raw { get; init; }
    public required float[] Eeg { get; init; }
    public required float[] Logits { get; init; }
    public required float[] Probabilities { get; init; }
    public required int[] InputShape { get; init; }
    public required int Classes { get; init; }
    public required double AbsoluteTolerance { get; init; }

    public static GoldenFile Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.Equal("pipeline-model-golden/1", root.GetProperty("format").GetString());
        float[] Tensor(string name) =>
            MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(root.GetProperty(name).GetProperty("data").GetString()!)).ToArray();
        int[] Shape(string name) => root.GetProperty(name).GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        return new GoldenFile
        {
            Count = root.GetProperty("count").GetInt32(),
            Raw = Tensor("raw"),
            Eeg = Tensor("eeg"),
            Logits = Tensor("logits"),
            Probabilities = Tensor("probabilities"),
            InputShape = Shape("eeg"),
            Classes = Shape("probabilities")[1],
            AbsoluteTolerance = root.GetProperty("tolerance").GetProperty("abs").GetDouble(),
        };
    }
}
