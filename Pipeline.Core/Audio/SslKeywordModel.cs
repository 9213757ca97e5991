using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Audio;

/// <summary>
/// A self-supervised speech upstream (ONNX: <c>wave</c> [B, N] → <c>hidden_states</c> [L, B, T, D], every layer) and an
/// interface+head model behind it (ONNX: <c>hidden_states</c> → <c>probabilities</c> [B, K]), each with its model
/// card. The two are separate files so the interface (weighted sum, log-depth convolution, ...) can be swapped
/// without touching the upstream. Every batch-size bucket chains the two on pre-bound buffers (IoBinding), so a run
/// allocates nothing. Use it directly from one thread (<see cref="Classify"/>), or hand it to
/// <see cref="BatchingModelRunner.Start"/> so that many audio sessions share it in micro-batches.
/// </summary>
public sealed class SslKeywordModel : IBatchedModel
{
    private readonly InferenceSession _upstream;
    private readonly InferenceSession _head;
    private readonly RunOptions _runOptions = new();
    private readonly Bucket[] _buckets;

    private SslKeywordModel(InferenceSession upstream, InferenceSession head, ModelCard headCard, string headPath, string upstreamPath,
        int layers, int dim, int windowSamples, string device, IEnumerable<int> batchSizes, bool warmUp)
    {
        _upstream = upstream;
        _head = head;
        HeadCard = headCard;
        HeadPath = headPath;
        UpstreamPath = upstreamPath;
        Device = device;
        Layers = layers;
        Dim = dim;
        WindowSamples = windowSamples;
        Frames = (windowSamples - 400) / 320 + 1;
        Classes = headCard.Classes;
        var sizes = batchSizes.Where(b => b > 0).Append(1).Distinct().Order().ToArray();
        _buckets = new Bucket[sizes.Length];
        try
        {
            for (var i = 0; i < sizes.Length; i++) _buckets[i] = new Bucket(this, sizes[i]);
        }
        catch
        {
            foreach (var b in _buckets) b?.Dispose();
            throw;
        }
        if (warmUp)
            foreach (var b in _buckets) b.Run(_runOptions);
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
    public ReadOnlySpan<float> LastProbabilities => _buckets[0].Probabilities;
    /// <summary>The device in use: <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; }
    /// <inheritdoc />
    string IBatchedModel.ModelPath => HeadPath;
    /// <inheritdoc />
    int IBatchedModel.WindowValues => WindowSamples;
    /// <inheritdoc />
    int IBatchedModel.Classes => Classes.Count;
    /// <inheritdoc />
    public IReadOnlyList<int> BatchSizes => _buckets.Select(b => b.Size).ToArray();
    /// <inheritdoc />
    public long LastRunTicks { get; private set; }

    /// <summary>
    /// Loads the interface+head model at <paramref name="headPath"/> and the upstream its card names (field
    /// <c>upstream</c>, a file beside it) or <paramref name="upstreamPath"/>; checks the cards against each other.
    /// </summary>
    /// <exception cref="PipelineException">A file or card is missing, or the two models do not fit together.</exception>
    public static SslKeywordModel Load(string headPath, string? upstreamPath = null, int threads = 1) =>
        Load(headPath, upstreamPath, new ModelRunnerOptions { IntraOpThreads = Math.Max(1, threads) });

    /// <summary>
    /// As <see cref="Load(string, string?, int)"/>, with the device (cpu, cuda, auto — both models on the same one),
    /// threads and batch-size buckets of <paramref name="options"/>; <paramref name="log"/> receives the device line.
    /// </summary>
    public static SslKeywordModel Load(string headPath, string? upstreamPath, ModelRunnerOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(headPath)) throw new PipelineException($"Model '{headPath}' does not exist; pass an interface+head model such as models/ssl/kws-hconv.onnx.");
        // Both cards are checked field by field (types and values) by ModelCard.Load before anything is read from them.
        var headCard = ModelCard.Load(ModelCard.PathFor(headPath));
        if (upstreamPath is null)
        {
            if (headCard.Upstream is not { Length: > 0 } name)
                throw new PipelineException($"Model card of '{headPath}' names no upstream; pass --upstream with the SSL upstream ONNX file.");
            upstreamPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(headPath))!, name);
        }
        if (!File.Exists(upstreamPath)) throw new PipelineException($"Upstream model '{upstreamPath}' does not exist; pass --upstream with the SSL upstream ONNX file.");
        var upstreamCard = ModelCard.Load(ModelCard.PathFor(upstreamPath));
        if (upstreamCard.HiddenStates is not { } hs)
            throw new PipelineException($"Model card of upstream '{upstreamPath}' lacks hidden_states.layers/dim; export it with models/ssl tooling.");
        int layers = hs.Layers, dim = hs.Dim;
        var shape = headCard.Input.Shape;
        if (shape.Count != 4 || shape[0] != layers || shape[3] != dim)
            throw new PipelineException($"Model '{headPath}' expects hidden states [{string.Join(", ", shape)}] but upstream '{upstreamPath}' gives [{layers}, B, T, {dim}]; use a head trained on this upstream.");
        if (headCard.Rate != SpeechAudio.Rate) throw new PipelineException($"Model '{headPath}' is for {headCard.Rate} Hz audio; the speech path runs at {SpeechAudio.Rate} Hz.");
        if (headCard.Classes.Count == 0) throw new PipelineException($"Model card of '{headPath}' lists no classes; export it again with its classes.");
        var window = headCard.Window.Samples > 0 ? headCard.Window.Samples : SpeechAudio.Rate;
        InferenceSession? upstream = null, head = null;
        try
        {
            upstream = ModelRunner.OpenSession(upstreamPath, options, out var device, out var fallback);
            // The head follows the upstream's device, so hidden states never cross between devices.
            head = ModelRunner.OpenSession(headPath, options with { Device = device == "cuda" ? ExecutionDevice.Cuda : ExecutionDevice.Cpu }, out _, out _);
            log?.Invoke(ModelRunner.DeviceLine(options, fallback));
            foreach (var (s, names, file) in new[] { (upstream, new[] { "wave", "hidden_states" }, upstreamPath), (head, new[] { "hidden_states", "logits", "probabilities" }, headPath) })
                foreach (var n in names)
                    if (!s.InputMetadata.ContainsKey(n) && !s.OutputMetadata.ContainsKey(n))
                        throw new PipelineException($"Model '{file}' has no input or output named '{n}'; export it with the models/ssl tooling.");
            return new SslKeywordModel(upstream, head, headCard, headPath, upstreamPath, layers, dim, window, device, options.BatchSizes, options.WarmUp);
        }
        catch (OnnxRuntimeException e)
        {
            upstream?.Dispose();
            head?.Dispose();
            throw new PipelineException($"Model '{headPath}' or its upstream could not be run by ONNX Runtime ({ModelRunner.FirstLine(e.Message)}); export them again.", e);
        }
        catch
        {
            upstream?.Dispose();
            head?.Dispose();
            throw;
        }
    }

    /// <summary>Runs one window of exactly <see cref="WindowSamples"/> samples; the result is in <see cref="LastProbabilities"/>.</summary>
    public ReadOnlySpan<float> Classify(ReadOnlySpan<float> window)
    {
        if (window.Length != WindowSamples) throw new ArgumentException($"The model takes {WindowSamples} samples, not {window.Length}.", nameof(window));
        window.CopyTo(_buckets[0].Wave);
        RunBucket(0);
        return _buckets[0].Probabilities;
    }

    /// <summary>Runs the upstream only and returns all hidden states [L, 1, T, D] flattened (for parity checks).</summary>
    public ReadOnlySpan<float> HiddenStates(ReadOnlySpan<float> window)
    {
        window.CopyTo(_buckets[0].Wave);
        _buckets[0].Run(_runOptions);
        return _buckets[0].Hidden;
    }

    /// <inheritdoc />
    public int BucketFor(int count)
    {
        for (var i = 0; i < _buckets.Length; i++) if (_buckets[i].Size >= count) return i;
        return _buckets.Length - 1;
    }

    /// <inheritdoc />
    public int BucketSize(int bucket) => _buckets[bucket].Size;

    /// <inheritdoc />
    public Span<float> InputSlot(int bucket, int slot) => _buckets[bucket].Wave.AsSpan(slot * WindowSamples, WindowSamples);

    /// <inheritdoc />
    public ReadOnlySpan<float> Probabilities(int bucket, int slot) => _buckets[bucket].Probabilities.AsSpan(slot * Classes.Count, Classes.Count);

    /// <inheritdoc />
    public void RunBucket(int bucket)
    {
        var start = Stopwatch.GetTimestamp();
        _buckets[bucket].Run(_runOptions);
        LastRunTicks = Stopwatch.GetTimestamp() - start;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var b in _buckets) b.Dispose();
        _runOptions.Dispose();
        _upstream.Dispose();
        _head.Dispose();
    }

    /// <summary>One batch size: pinned wave, hidden-state and output buffers, bound once to both models.</summary>
    private sealed class Bucket : IDisposable
    {
        private readonly SslKeywordModel _owner;
        private readonly OrtValue[] _values;
        private readonly OrtIoBinding _upBinding;
        private readonly OrtIoBinding _headBinding;

        public Bucket(SslKeywordModel owner, int size)
        {
            _owner = owner;
            Size = size;
            var k = owner.Classes.Count;
            Wave = GC.AllocateArray<float>(size * owner.WindowSamples, pinned: true);
            Hidden = GC.AllocateArray<float>(owner.Layers * size * owner.Frames * owner.Dim, pinned: true);
            Logits = GC.AllocateArray<float>(size * k, pinned: true);
            Probabilities = GC.AllocateArray<float>(size * k, pinned: true);
            _values =
            [
                OrtValue.CreateTensorValueFromMemory(Wave, [size, owner.WindowSamples]),
                OrtValue.CreateTensorValueFromMemory(Hidden, [owner.Layers, size, owner.Frames, owner.Dim]),
                OrtValue.CreateTensorValueFromMemory(Logits, [size, k]),
                OrtValue.CreateTensorValueFromMemory(Probabilities, [size, k]),
            ];
            _upBinding = owner._upstream.CreateIoBinding();
            _upBinding.BindInput("wave", _values[0]);
            _upBinding.BindOutput("hidden_states", _values[1]);
            _headBinding = owner._head.CreateIoBinding();
            _headBinding.BindInput("hidden_states", _values[1]);
            _headBinding.BindOutput("logits", _values[2]);
            _headBinding.BindOutput("probabilities", _values[3]);
        }

        public int Size { get; }
        public float[] Wave { get; }
        public float[] Hidden { get; }
        public float[] Logits { get; }
        public float[] Probabilities { get; }

        public void Run(RunOptions options)
        {
            _owner._upstream.RunWithBinding(options, _upBinding);
            _owner._head.RunWithBinding(options, _headBinding);
        }

        public void Dispose()
        {
            _upBinding.Dispose();
            _headBinding.Dispose();
            foreach (var v in _values) v.Dispose();
        }
    }
}
