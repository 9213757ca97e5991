using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Audio;

/// <summary>
/// A self-supervised speech upstream (ONNX: <c>wave</c> [B, N] → <c>hidden_states</c> [L, B, T, D], every layer) and an
/// interface+head model behind it (ONNX: <c>hidden_states</c> → <c>probabilities</c> [B, K]), each with its model
/// card. The two are separate files so the interface (weighted sum, log-depth convolution, ...) can be swapped
/// without touching the upstream. One window of audio runs through both on pre-bound buffers (IoBinding), so a
/// window allocates nothing. Not thread-safe: one instance per session.
/// </summary>
public sealed class SslKeywordModel : IDisposable
{
    private readonly InferenceSession _upstream;
    private readonly InferenceSession _head;
    private readonly RunOptions _runOptions = new();
    private readonly float[] _wave;
    private readonly float[] _hidden;
    private readonly float[] _logits;
    private readonly float[] _probabilities;
    private readonly OrtValue[] _values;
    private readonly OrtIoBinding _upBinding;
    private readonly OrtIoBinding _headBinding;

    private SslKeywordModel(InferenceSession upstream, InferenceSession head, ModelCard headCard, string headPath, string upstreamPath,
        int layers, int dim, int windowSamples)
    {
        _upstream = upstream;
        _head = head;
        HeadCard = headCard;
        HeadPath = headPath;
        UpstreamPath = upstreamPath;
        Layers = layers;
        Dim = dim;
        WindowSamples = windowSamples;
        Frames = (windowSamples - 400) / 320 + 1;
        Classes = headCard.Classes;
        _wave = new float[windowSamples];
        _hidden = new float[layers * Frames * dim];
        _logits = new float[Classes.Count];
        _probabilities = new float[Classes.Count];
        _values =
        [
            OrtValue.CreateTensorValueFromMemory(_wave, [1, windowSamples]),
            OrtValue.CreateTensorValueFromMemory(_hidden, [layers, 1, Frames, dim]),
            OrtValue.CreateTensorValueFromMemory(_logits, [1, Classes.Count]),
            OrtValue.CreateTensorValueFromMemory(_probabilities, [1, Classes.Count]),
        ];
        _upBinding = upstream.CreateIoBinding();
        _upBinding.BindInput("wave", _values[0]);
        _upBinding.BindOutput("hidden_states", _values[1]);
        _headBinding = head.CreateIoBinding();
        _headBinding.BindInput("hidden_states", _values[1]);
        _headBinding.BindOutput("logits", _values[2]);
        _headBinding.BindOutput("probabilities", _values[3]);
    }

    /// <summary>The interface+head file.</summary>
    public string HeadPath { get; }
    /// <summary>The upstream file.</summary>
    public string UpstreamPath { get; }
    /// <summary>The interface+head card (classes, commands, provenance).</summary>
    public ModelCard HeadCard { get; }
    /// <summary>Hidden states per frame (transformer layers + 1).</summary>
    public int Layers { get; }
    /// <summary>Width of each hidden state.</summary>
    public int Dim { get; }
    /// <summary>Samples per window (16 kHz).</summary>
    public int WindowSamples { get; }
    /// <summary>Upstream frames per window.</summary>
    public int Frames { get; }
    /// <summary>Class names in output order.</summary>
    public IReadOnlyList<string> Classes { get; }
    /// <summary>Class probabilities of the last <see cref="Classify"/>.</summary>
    public ReadOnlySpan<float> Probabilities => _probabilities;

    /// <summary>
    /// Loads the interface+head model at <paramref name="headPath"/> and the upstream its card names (field
    /// <c>upstream</c>, a file beside it) or <paramref name="upstreamPath"/>; checks the cards against each other.
    /// </summary>
    /// <exception cref="PipelineException">A file or card is missing, or the two models do not fit together.</exception>
    public static SslKeywordModel Load(string headPath, string? upstreamPath = null, int threads = 1)
    {
        if (!File.Exists(headPath)) throw new PipelineException($"Model '{headPath}' does not exist; pass an interface+head model such as models/ssl/kws-hconv.onnx.");
        var headCard = ModelCard.Load(ModelCard.PathFor(headPath));
        var headJson = ReadJson(ModelCard.PathFor(headPath));
        if (upstreamPath is null)
        {
            if (!headJson.RootElement.TryGetProperty("upstream", out var up) || up.GetString() is not { Length: > 0 } name)
                throw new PipelineException($"Model card of '{headPath}' names no upstream; pass --upstream with the SSL upstream ONNX file.");
            upstreamPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(headPath))!, name);
        }
        if (!File.Exists(upstreamPath)) throw new PipelineException($"Upstream model '{upstreamPath}' does not exist; pass --upstream with the SSL upstream ONNX file.");
        var upJson = ReadJson(ModelCard.PathFor(upstreamPath));
        if (!upJson.RootElement.TryGetProperty("hidden_states", out var hs) || !hs.TryGetProperty("layers", out var lEl) || !hs.TryGetProperty("dim", out var dEl))
            throw new PipelineException($"Model card of upstream '{upstreamPath}' lacks hidden_states.layers/dim; export it with models/ssl tooling.");
        int layers = lEl.GetInt32(), dim = dEl.GetInt32();
        var shape = headCard.Input.Shape;
        if (shape.Count != 4 || shape[0] != layers || shape[3] != dim)
            throw new PipelineException($"Model '{headPath}' expects hidden states [{string.Join(", ", shape)}] but upstream '{upstreamPath}' gives [{layers}, B, T, {dim}]; use a head trained on this upstream.");
        if (headCard.Rate != SpeechAudio.Rate) throw new PipelineException($"Model '{headPath}' is for {headCard.Rate} Hz audio; the speech path runs at {SpeechAudio.Rate} Hz.");
        if (headCard.Classes.Count == 0) throw new PipelineException($"Model card of '{headPath}' lists no classes; export it again with its classes.");
        var window = headCard.Window.Samples > 0 ? headCard.Window.Samples : SpeechAudio.Rate;
        using var options = new SessionOptions { IntraOpNumThreads = Math.Max(1, threads), InterOpNumThreads = 1 };
        InferenceSession? upstream = null, head = null;
        try
        {
            upstream = new InferenceSession(upstreamPath, options);
            head = new InferenceSession(headPath, options);
            foreach (var (s, names, file) in new[] { (upstream, new[] { "wave", "hidden_states" }, upstreamPath), (head, new[] { "hidden_states", "logits", "probabilities" }, headPath) })
                foreach (var n in names)
                    if (!s.InputMetadata.ContainsKey(n) && !s.OutputMetadata.ContainsKey(n))
                        throw new PipelineException($"Model '{file}' has no input or output named '{n}'; export it with the models/ssl tooling.");
            return new SslKeywordModel(upstream, head, headCard, headPath, upstreamPath, layers, dim, window);
        }
        catch (OnnxRuntimeException e)
        {
            upstream?.Dispose();
            head?.Dispose();
            throw new PipelineException($"Model '{headPath}' or its upstream could not be loaded ({e.Message.Split('\n')[0].TrimEnd('.')}); export them again.", e);
        }
        catch
        {
            upstream?.Dispose();
            head?.Dispose();
            throw;
        }
    }

    /// <summary>Runs one window of exactly <see cref="WindowSamples"/> samples; the result is in <see cref="Probabilities"/>.</summary>
    public ReadOnlySpan<float> Classify(ReadOnlySpan<float> window)
    {
        if (window.Length != WindowSamples) throw new ArgumentException($"The model takes {WindowSamples} samples, not {window.Length}.", nameof(window));
        window.CopyTo(_wave);
        _upstream.RunWithBinding(_runOptions, _upBinding);
        _head.RunWithBinding(_runOptions, _headBinding);
        return _probabilities;
    }

    /// <summary>Runs the upstream only and returns all hidden states [L, 1, T, D] flattened (for parity checks).</summary>
    public ReadOnlySpan<float> HiddenStates(ReadOnlySpan<float> window)
    {
        window.CopyTo(_wave);
        _upstream.RunWithBinding(_runOptions, _upBinding);
        return _hidden;
    }

    private static JsonDocument ReadJson(string path)
    {
        if (!File.Exists(path)) throw new PipelineException($"Model card '{path}' does not exist; keep the .json card beside the .onnx file.");
        try { return JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new PipelineException($"Model card '{path}' is not valid JSON ({e.Message.TrimEnd('.')}); export it again.", e); }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _upBinding.Dispose();
        _headBinding.Dispose();
        foreach (var v in _values) v.Dispose();
        _runOptions.Dispose();
        _upstream.Dispose();
        _head.Dispose();
    }
}
