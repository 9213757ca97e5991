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

    /// <summary>The SSL upstream model (a file beside this card) that feeds a speech head, or null.</summary>
    [JsonPropertyName("upstream")] public string? Upstream { get; init; }
    /// <summary>What an SSL upstream returns (layers and width of its hidden states), or null for other models.</summary>
    [JsonPropertyName("hidden_states")] public ModelCardHiddenStates? HiddenStates { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new() { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads and checks a card, with one clear error naming every field that is wrong.</summary>
    /// <exception cref="PipelineException">The card is missing, unreadable, not JSON, or a field has a wrong type or value.</exception>
    public static ModelCard Load(string path)
    {
        if (!File.Exists(path))
            throw new PipelineException($"The model card '{path}' does not exist; every model needs its card (the .json written by models/dbconformer/export.py) next to the .onnx file.");
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineException($"The model card '{path}' cannot be read ({e.Message.TrimEnd('.')}); check its permissions.", e);
        }
        return Parse(json, path);
    }

    /// <summary>
    /// Checks and reads a card's JSON text; <paramref name="source"/> names it in messages. Every field the pipeline
    /// uses is checked for its JSON type and a workable value, and all problems are reported in one sentence, each
    /// named by its JSON path (e.g. <c>'preprocessing.scale' is 0</c>).
    /// </summary>
    /// <exception cref="PipelineException">The text is not JSON, or a field has a wrong type or value.</exception>
    public static ModelCard Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}" : "";
            throw new PipelineException($"The model card '{source}' is not valid JSON{where} ({OneLine(e.Message.Split('.')[0])}); re-export the model to rewrite it.", e);
        }
        using (document)
        {
            Fail(source, ModelCardValidator.CheckJson(document.RootElement));
            ModelCard card;
            try
            {
                card = document.RootElement.Deserialize<ModelCard>(JsonOptions)!;
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
            {
                // The checks above make this unreachable for the fields the pipeline reads; kept so nothing escapes as a bug.
                throw new PipelineException($"The model card '{source}' could not be read ({OneLine(e.Message.Split('.')[0])}); re-export the model to rewrite it.", e);
            }
            Fail(source, ModelCardValidator.CheckCard(card));
            return card;
        }
    }

    // The parser quotes the offending text, which can hold line breaks; a message stays one line.
    private static string OneLine(string text) => string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c));

    private static void Fail(string source, IReadOnlyList<string> problems)
    {
        if (problems.Count == 0) return;
        const int shown = 6;
        var more = problems.Count > shown ? $"; and {problems.Count - shown} more problem{(problems.Count - shown == 1 ? "" : "s")}" : "";
        throw new PipelineException(OneLine($"The model card '{source}' is not valid: {string.Join("; ", problems.Take(shown))}{more}; fix the card or re-export the model to rewrite it."));
    }
}

/// <summary>The hidden_states entry of an SSL upstream's card.</summary>
public sealed record ModelCardHiddenStates
{
    /// <summary>Layout of the hidden states tensor, e.g. <c>LBTD</c>.</summary>
    [JsonPropertyName("layout")] public string Layout { get; init; } = "LBTD";
    /// <summary>Hidden states per frame (transformer layers + 1).</summary>
    [JsonPropertyName("layers")] public int Layers { get; init; }
    /// <summary>Width of each hidden state.</summary>
    [JsonPropertyName("dim")] public int Dim { get; init; }
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
    /// <summary><see cref="Mode"/> of a card that applies one fixed matrix (also what a card without a mode means).</summary>
    public const string Offline = "offline";
    /// <summary><see cref="Mode"/> of a card that asks for online Euclidean alignment (models/README.md).</summary>
    public const string Online = "online";

    /// <summary><c>euclidean</c>.</summary>
    [JsonPropertyName("kind")] public string Kind { get; init; } = "euclidean";
    /// <summary>
    /// <c>offline</c>: every window is multiplied by the fixed <see cref="Matrix"/>; <c>online</c>: the session keeps
    /// online Euclidean alignment from <see cref="Reference"/>, <see cref="Warmup"/> and <see cref="EigenFloor"/>.
    /// Null (an older card) means offline.
    /// </summary>
    [JsonPropertyName("mode")] public string? Mode { get; init; }
    /// <summary>R^-1/2, channels x channels, row-major (offline; an online card carries reference^-1/2 for readers without online alignment).</summary>
    [JsonPropertyName("matrix")] public IReadOnlyList<IReadOnlyList<float>>? Matrix { get; init; }
    /// <summary>Online: the population (or calibration) reference covariance P, channels x channels, in the units of the preprocessed signal before <c>scale</c>.</summary>
    [JsonPropertyName("reference")] public IReadOnlyList<IReadOnlyList<double>>? Reference { get; init; }
    /// <summary>Online: w0, how many windows the reference counts as (0: the plain running mean).</summary>
    [JsonPropertyName("warmup")] public double? Warmup { get; init; }
    /// <summary>Online: eigenvalues below this fraction of the largest are raised to it (default 1e-6).</summary>
    [JsonPropertyName("eigenFloor")] public double? EigenFloor { get; init; }

    /// <summary>True when the card asks for online alignment.</summary>
    [JsonIgnore] public bool IsOnline => Mode == Online;
}
