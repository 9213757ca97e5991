using System.Text.Json.Nodes;

namespace Pipeline.Tests.Infrastructure;

/// <summary>
/// The demo network (models/dbconformer-demo.onnx, 22 channels x 1000 samples) under a card written for a test: the
/// same weights, with the card's alignment mode, reference, rate or channels changed. A real model and a real card that
/// the runtime validates, not a stand-in; its accuracy on real EEG is not the point of the tests that use it.
/// </summary>
public static class DemoModelVariant
{
    private static string Models => Path.Combine(SharedData.RepositoryRoot, "models");

    /// <summary>The demo card's channel labels.</summary>
    public static IReadOnlyList<string> Channels { get; } =
        JsonNode.Parse(File.ReadAllText(Path.Combine(Models, "dbconformer-demo.json")))!["channels"]!.AsArray().Select(c => (string)c!).ToArray();

    /// <summary>
    /// Writes <paramref name="name"/>.onnx and its card into <paramref name="directory"/>. <paramref name="mode"/>
    /// "online" gives the card online alignment with a diagonal population reference of <paramref name="referenceVariance"/>
    /// (µV², weight <paramref name="warmup"/> windows; warmup 0 writes no reference); "offline" keeps the demo's fixed matrix.
    /// <paramref name="edit"/> changes anything else (rate, window, channels). Returns the model's path.
    /// </summary>
    public static string Write(string directory, string name, string mode, double warmup = 20, double referenceVariance = 100, Action<JsonNode>? edit = null)
    {
        var card = JsonNode.Parse(File.ReadAllText(Path.Combine(Models, "dbconformer-demo.json")))!;
        card["name"] = name;
        var n = card["channels"]!.AsArray().Count;
        var alignment = card["preprocessing"]!["alignment"]!;
        alignment["mode"] = mode;
        if (mode == "online")
        {
            if (warmup > 0)
                alignment["reference"] = new JsonArray(Enumerable.Range(0, n).Select(i => (JsonNode)new JsonArray(
                    Enumerable.Range(0, n).Select(j => (JsonNode)JsonValue.Create(i == j ? referenceVariance : 0.0)).ToArray())).ToArray());
            alignment["warmup"] = warmup;
            alignment["eigenFloor"] = 1e-6;
        }
        edit?.Invoke(card);
        var path = Path.Combine(directory, name + ".onnx");
        File.Copy(Path.Combine(Models, "dbconformer-demo.onnx"), path, overwrite: true);
        File.WriteAllText(Path.ChangeExtension(path, ".json"), card.ToJsonString());
        return path;
    }

    /// <summary>The card edit for EEGMMIDB: 160 Hz, the 1000-sample window from cue + 0.5 s (6.25 s).</summary>
    public static void Eegmmidb(JsonNode card)
    {
        const double rate = 160, tmin = 0.5;
        card["rate"] = rate;
        card["window"] = new JsonObject { ["samples"] = 1000, ["seconds"] = 1000 / rate, ["tmin"] = tmin, ["tmax"] = tmin + 1000 / rate };
    }
}
