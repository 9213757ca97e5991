using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Inference;

/// <summary>
/// The JSON file next to an ONNX model (<c>model.onnx</c> → <c>model.json</c>) that says what the model expects
/// and what it returns: input layout and shape, rate, channel labels in order, window, preprocessing (band,
/// alignment), class names, output names and provenance. Format <c>pipeline-model-card/1</c>
/// (see models/README.md).
/// </summary>
public sealed record ModelCard
{
    /// <summary>Card format tag.</summary>
    [JsonPropertyName("format")] public string Format { get; init; } = "";
    /// <summary>Model name.</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    /// <summary>Architecture, e.g. DBConformer.</summary>
    [JsonPropertyName("architecture")] public string Architecture { get; init; } = "";
    /// <summary>The model input.</summary>
    [JsonPropertyName("input")] public ModelCardInput Input { get; init; } = new();
    /// <summary>Output names; the one named <c>probabilities</c> is used when present, else the last.</summary>
    [JsonPropertyName("outputs")] public IReadOnlyList<string> Outputs { get; init; } = [];
    /// <summary>Sampling rate the model was trained at, Hz.</summary>
    [JsonPropertyName("rate")] public double Rate { get; init; }
    /// <summary>Channel labels in model input order.</summary>
    [JsonPropertyName("channels")] public IReadOnlyList<string> Channels { get; init; } = [];
    /// <summary>The window the model sees.</summary>
    [JsonPropertyName("window")] public ModelCardWindow Window { get; init; } = new();
    /// <summary>Preprocessing applied before the model, exactly as in training.</summary>
    [JsonPropertyName("preprocessing")] public ModelCardPreprocessing Preprocessing { get; init; } = new();
    /// <summary>Class names in output order.</summary>
    [JsonPropertyName("classes")] public IReadOnlyList<string> Classes { get; init; } = [];
    /// <summary>Marker texts the classes were trained from (same order as <see cref="Classes"/>).</summary>
    [JsonPropertyName("markers")] public IReadOnlyList<string> Markers { get; init; } = [];
    /// <summary>Class → command name.</summary>
    [JsonPropertyName("commands")] public IReadOnlyDictionary<string, string> Commands { get; init; } = new Dictionary<string, string>();
    /// <summary>Trainable parameter count.</summary>
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    /// <summary>Where the model came from (data, command, metrics) — kept as raw JSON.</summary>
    [JsonPropertyName("provenance")] public JsonElement Provenance { get; init; }

    /// <summary>The card's path for a model path: same folder and name, extension <c>.json</c>.</summary>
    public static string PathFor(string modelPath) => System.IO.Path.ChangeExtension(modelPath, ".json");

    /// <summary>Reads and checks a card, with one clear error for every way it can be wrong.</summary>
    public static ModelCard Load(string path)
    {
        if (!File.Exists(path))
            throw new PipelineException($"The model card '{path}' does not exist; every model needs its card (the .json written by models/dbconformer/export.py) next to the .onnx file.");
        ModelCard? card;
        try
        {
            using var f = File.OpenRead(path);
            card = JsonSerializer.Deserialize<ModelCard>(f, new JsonSerializerOptions { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new PipelineException($"The model card '{path}' is not valid JSON ({e.Message.Split('.')[0]}); re-export the model to rewrite it.", e);
        }
        if (card is null) throw new PipelineException($"The model card '{path}' is empty; re-export the model to rewrite it.");
        var problems = new List<string>();
        if (card.Channels.Count == 0) problems.Add("'channels' is empty");
        if (!(card.Rate > 0)) problems.Add("'rate' is missing");
        if (card.Window.Samples <= 0) problems.Add("'window.samples' is missing");
        if (card.Classes.Count == 0) problems.Add("'classes' is empty");
        if (string.IsNullOrEmpty(card.Input.Name)) problems.Add("'input.name' is missing");
        if (card.Preprocessing.Alignment?.Matrix is { } m &&
            (m.Count != card.Channels.Count || m.Any(r => r.Count != card.Channels.Count)))
            problems.Add($"'preprocessing.alignment.matrix' is not {card.Channels.Count} x {card.Channels.Count}");
        if (problems.Count > 0)
            throw new PipelineException($"The model card '{path}' is incomplete: {string.Join("; ", problems)}; re-export the model to rewrite it.");
        return card;
    }
}

/// <summary>The input entry of a model card.</summary>
public sealed record ModelCardInput
{
    /// <summary>Input tensor name.</summary>
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    /// <summary>Layout, <c>NCT</c> (batch, channels, time).</summary>
    [JsonPropertyName("layout")] public string Layout { get; init; } = "NCT";
    /// <summary>Shape with -1 for the dynamic batch axis.</summary>
    [JsonPropertyName("shape")] public IReadOnlyList<long> Shape { get; init; } = [];
    /// <summary>Element type.</summary>
    [JsonPropertyName("dtype")] public string DType { get; init; } = "float32";
}

/// <summary>The window entry of a model card.</summary>
public sealed record ModelCardWindow
{
    /// <summary>Samples per window.</summary>
    [JsonPropertyName("samples")] public int Samples { get; init; }
    /// <summary>Window length in seconds.</summary>
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    /// <summary>Epoch start relative to the cue in training, s.</summary>
    [JsonPropertyName("tmin")] public double? TMin { get; init; }
    /// <summary>Epoch end relative to the cue in training, s.</summary>
    [JsonPropertyName("tmax")] public double? TMax { get; init; }
}

/// <summary>The preprocessing entry of a model card.</summary>
public sealed record ModelCardPreprocessing
{
    /// <summary>Band-pass edges in Hz, or null.</summary>
    [JsonPropertyName("band")] public IReadOnlyList<double?>? Band { get; init; }
    /// <summary>Notch frequency in Hz, 0 or null for none.</summary>
    [JsonPropertyName("notch")] public double? Notch { get; init; }
    /// <summary>Euclidean alignment, or null.</summary>
    [JsonPropertyName("alignment")] public ModelCardAlignment? Alignment { get; init; }
    /// <summary>A factor applied to the samples before the model.</summary>
    [JsonPropertyName("scale")] public double Scale { get; init; } = 1.0;
}

/// <summary>The alignment entry of a model card.</summary>
public sealed record ModelCardAlignment
{
    /// <summary><c>euclidean</c>.</summary>
    [JsonPropertyName("kind")] public string Kind { get; init; } = "euclidean";
    /// <summary>R^-1/2, channels x channels, row-major.</summary>
    [JsonPropertyName("matrix")] public IReadOnlyList<IReadOnlyList<float>>? Matrix { get; init; }
}
