using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Inference;

/// <summary>
/// Runs one ONNX model described by its <see cref="ModelCard"/> on pre-allocated, pre-bound tensors (IoBinding):
/// one fixed-size buffer set per batch-size bucket, bound once, so a run allocates nothing. Loads and checks the
/// model and card, picks the device (CPU, CUDA, or CUDA-with-fallback) and warms every bucket up at start.
/// </summary>
/// <remarks>Not thread-safe: one thread runs batches (the batching queue owns it).</remarks>
public sealed class ModelRunner : IBatchedModel
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly Bucket[] _buckets;
    private readonly int _probabilityOutput;
    private readonly bool _softmaxInCSharp;
    private readonly ModelRunnerOptions _options;
    // Workers share the session of the runner that created them (ONNX Runtime runs one session from several threads)
    // and own only their buffers and bindings.
    private readonly bool _ownsSession;

    private ModelRunner(string modelPath, ModelCard card, InferenceSession session, string device, string? fallbackReason, ModelRunnerOptions options,
        bool ownsSession = true)
    {
        _options = options;
        _ownsSession = ownsSession;
        ModelPath = modelPath;
        Card = card;
        _session = session;
        Device = device;
        FallbackReason = fallbackReason;
        Channels = card.Channels.Count;
        Samples = card.Window.Samples;
        Classes = card.Classes.Count;
        InputName = card.Input.Name;

        var inputs = session.InputMetadata;
        if (!inputs.ContainsKey(InputName))
            throw new PipelineException($"The model '{modelPath}' has no input named '{InputName}' (it has {string.Join(", ", inputs.Keys.Select(k => $"'{k}'"))}); the card does not belong to this model.");
        var dims = inputs[InputName].Dimensions;
        if (dims.Length != 3 || (dims[1] > 0 && dims[1] != Channels) || (dims[2] > 0 && dims[2] != Samples))
            throw new PipelineException($"The model '{modelPath}' takes input [{string.Join(", ", dims)}] but its card says [batch, {Channels}, {Samples}]; the card does not belong to this model.");

        var outputNames = session.OutputMetadata.Keys.ToArray();
        OutputNames = outputNames;
        foreach (var (name, meta) in session.OutputMetadata)
        {
            var d = meta.Dimensions;
            if (d.Length != 2 || (d[1] > 0 && d[1] != Classes))
                throw new PipelineException($"The model '{modelPath}' output '{name}' has shape [{string.Join(", ", d)}] but the card lists {Classes} classes; the card does not belong to this model.");
        }
        _probabilityOutput = Array.IndexOf(outputNames, "probabilities");
        _softmaxInCSharp = _probabilityOutput < 0;
        if (_softmaxInCSharp) _probabilityOutput = outputNames.Length - 1;

        var sizes = options.BatchSizes.Where(b => b > 0).Distinct().Order().ToArray();
        if (sizes.Length == 0) sizes = [1];
        _buckets = sizes.Select(b => new Bucket(this, b)).ToArray();
        if (options.WarmUp)
            foreach (var bucket in _buckets) bucket.Run();
    }

    /// <summary>The model file.</summary>
    public string ModelPath { get; }
    /// <summary>The model's card.</summary>
    public ModelCard Card { get; }
    /// <summary>The device in use: <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; }
    /// <summary>Why CUDA was not used where it was asked for (null otherwise).</summary>
    public string? FallbackReason { get; }
    /// <summary>Input channels.</summary>
    public int Channels { get; }
    /// <summary>Input samples per channel.</summary>
    public int Samples { get; }
    /// <summary>Values per window: channels x samples.</summary>
    public int WindowValues => Channels * Samples;
    /// <summary>Number of classes.</summary>
    public int Classes { get; }
    /// <summary>The input tensor's name.</summary>
    public string InputName { get; }
    /// <summary>The output tensors' names.</summary>
    public IReadOnlyList<string> OutputNames { get; }
    /// <summary>The batch-size buckets, ascending.</summary>
    public IReadOnlyList<int> BatchSizes => _buckets.Select(b => b.Size).ToArray();
    /// <summary>Stopwatch ticks spent inside ONNX Runtime's run by the last call.</summary>
    public long LastRunTicks { get; private set; }

    /// <summary>
    /// Loads <paramref name="modelPath"/> and its card, creates the session on the requested device and warms it up.
    /// <paramref name="log"/> receives one line about the device choice.
    /// </summary>
    public static ModelRunner Load(string modelPath, ModelRunnerOptions? options = null, Action<string>? log = null)
    {
        options ??= new ModelRunnerOptions();
        if (!File.Exists(modelPath))
            throw new PipelineException($"The model file '{modelPath}' does not exist; check the path given to --model (the demo model is models/dbconformer-demo.onnx).");
        var card = ModelCard.Load(ModelCard.PathFor(modelPath));
        var session = OpenSession(modelPath, options, out var device, out var fallback);
        log?.Invoke(DeviceLine(options, fallback));

        try
        {
            return new ModelRunner(modelPath, card, session, device, fallback, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens an ONNX Runtime session exactly as a runner with <paramref name="options"/> does (device, threads, graph
    /// optimisation level): for tools that compare a runner with ONNX Runtime's own API under the same conditions.
    /// </summary>
    public static InferenceSession OpenSession(string modelPath, ModelRunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OpenSession(modelPath, options, out _, out _);
    }

    /// <summary>
    /// Opens an ONNX Runtime session on the requested device: CUDA when asked (or, for auto, when it loads), else the
    /// CPU with the reason in <paramref name="fallback"/>. ONNX Runtime's own multi-line CUDA error is silenced during
    /// the attempt; <see cref="DeviceLine"/> says it in one line.
    /// </summary>
    internal static InferenceSession OpenSession(string modelPath, ModelRunnerOptions options, out string device, out string? fallback)
    {
        device = "cpu";
        fallback = null;
        SessionOptions MakeOptions(bool cuda)
        {
            var so = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                IntraOpNumThreads = Math.Max(0, options.IntraOpThreads),
                InterOpNumThreads = 1,
            };
            if (cuda) so.AppendExecutionProvider_CUDA(options.CudaDeviceId);
            return so;
        }

        SessionOptions sessionOptions;
        if (options.Device == ExecutionDevice.Cpu)
        {
            sessionOptions = MakeOptions(false);
        }
        else
        {
            var env = OrtEnv.Instance();
            var level = env.EnvLogLevel;
            env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            try
            {
                sessionOptions = MakeOptions(true);
                device = "cuda";
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException or TypeInitializationException)
            {
                fallback = e is EntryPointNotFoundException
                    ? "this build uses the CPU ONNX Runtime package (build with -p:Gpu=true for CUDA)"
                    : $"CUDA could not be loaded ({FirstLine(e.Message)}; it needs an NVIDIA driver with the CUDA 13 and cuDNN 9 libraries, e.g. libcublasLt.so.13, on the library path)";
                sessionOptions = MakeOptions(false);
            }
            finally
            {
                env.EnvLogLevel = level;
            }
        }

        try
        {
            return new InferenceSession(modelPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new PipelineException($"The model file '{modelPath}' could not be loaded by ONNX Runtime ({FirstLine(e.Message)}); it is corrupt or not an ONNX model — re-export it.", e);
        }
        finally
        {
            sessionOptions.Dispose();
        }
    }

    /// <summary>The one log line about the device choice.</summary>
    internal static string DeviceLine(ModelRunnerOptions options, string? fallback) =>
        options.Device == ExecutionDevice.Cpu ? "device: cpu"
        : fallback is null ? $"device: cuda (device {options.CudaDeviceId})"
        : $"device: cpu — {fallback}; running on the CPU instead";

    /// <summary>
    /// Checks a stream against the card before the first window: every card channel must be in the stream (by
    /// label, tolerant spelling is resolved by the caller's channel selection), the rate must match and the window
    /// length must match. Throws one error naming every mismatch.
    /// </summary>
    public void CheckStream(StreamDescription stream, int windowSamples, Func<IReadOnlyList<string>, IReadOnlyList<string>, IReadOnlyList<string>> missingChannels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(missingChannels);
        var problems = new List<string>();
        var missing = missingChannels(stream.ChannelLabels, Card.Channels);
        if (missing.Count > 0)
            problems.Add($"the stream lacks channel{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing)} that the model needs");
        if (Math.Abs(stream.NominalRate - Card.Rate) > 1e-6 * Card.Rate)
            problems.Add($"the stream runs at {stream.NominalRate:G} Hz but the model was trained at {Card.Rate:G} Hz (add --resample {Card.Rate:G})");
        if (windowSamples != Samples)
            problems.Add($"the window is {windowSamples} samples but the model takes {Samples} ({Card.Window.Seconds:G} s at {Card.Rate:G} Hz)");
        if (problems.Count > 0)
            throw new PipelineException($"The stream '{stream.Name}' does not fit the model '{Path.GetFileName(ModelPath)}': {string.Join("; ", problems)}.");
    }

    /// <summary>The smallest bucket that holds <paramref name="count"/> windows (the largest if none does).</summary>
    public int BucketFor(int count)
    {
        for (var i = 0; i < _buckets.Length; i++) if (_buckets[i].Size >= count) return i;
        return _buckets.Length - 1;
    }

    /// <summary>The size of bucket <paramref name="bucket"/>.</summary>
    public int BucketSize(int bucket) => _buckets[bucket].Size;

    /// <summary>The input slot of window <paramref name="slot"/> in a bucket: channels x samples, channel-major. Write the window here.</summary>
    public Span<float> InputSlot(int bucket, int slot) => _buckets[bucket].Input.AsSpan(slot * Channels * Samples, Channels * Samples);

    /// <summary>The class probabilities of window <paramref name="slot"/> after <see cref="RunBucket"/>.</summary>
    public ReadOnlySpan<float> Probabilities(int bucket, int slot) => _buckets[bucket].Probabilities.AsSpan(slot * Classes, Classes);

    /// <summary>Runs a bucket on what its input slots hold (allocation-free; unused slots are computed and ignored).</summary>
    public void RunBucket(int bucket)
    {
        var start = Stopwatch.GetTimestamp();
        _buckets[bucket].Run();
        LastRunTicks = Stopwatch.GetTimestamp() - start;
    }

    /// <summary>
    /// A runner over the same session (weights loaded once) with its own buffers and bindings for the buckets up to the
    /// one that holds <paramref name="largestBatch"/>, warmed up: for another inference thread. Dispose it before this
    /// runner.
    /// </summary>
    public ModelRunner CreateWorker(int largestBatch)
    {
        var sizes = BatchSizes.Where((_, i) => i <= BucketFor(Math.Max(1, largestBatch))).ToArray();
        return new(ModelPath, Card, _session, Device, FallbackReason, _options with { BatchSizes = sizes }, ownsSession: false);
    }

    IBatchedModel? IBatchedModel.CreateWorker(int largestBatch) => CreateWorker(largestBatch);

    /// <summary>
    /// Gives back to the system the memory ONNX Runtime's arena holds beyond what the smallest bucket needs (e.g. after
    /// the large buckets were timed at warm-up): one run of the smallest bucket that shrinks the arena when it ends.
    /// </summary>
    public void TrimMemory()
    {
        if (Device != "cpu") return;
        using var options = new RunOptions();
        options.AddRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
        _buckets[0].Run(options);
    }

    /// <summary>Runs one window (channels x samples, channel-major) and writes the class probabilities.</summary>
    public void Run(ReadOnlySpan<float> window, Span<float> probabilities)
    {
        if (window.Length != Channels * Samples)
            throw new ArgumentException($"A window of {window.Length} values was given; the model takes {Channels} x {Samples}.", nameof(window));
        window.CopyTo(InputSlot(0, 0));
        RunBucket(0);
        Probabilities(0, 0).CopyTo(probabilities);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var b in _buckets) b.Dispose();
        _runOptions.Dispose();
        if (_ownsSession) _session.Dispose();
    }

    internal static string FirstLine(string s)
    {
        var line = s.Split('\n')[0].Trim();
        return line.Length > 200 ? line[..200] + "…" : line.TrimEnd('.');
    }

    /// <summary>One batch size: pinned input/output arrays wrapped as OrtValues and bound once.</summary>
    private sealed class Bucket : IDisposable
    {
        private readonly ModelRunner _owner;
        private readonly OrtValue _inputValue;
        private readonly OrtValue[] _outputValues;
        private readonly float[][] _outputs;
        private readonly OrtIoBinding _binding;

        public Bucket(ModelRunner owner, int size)
        {
            _owner = owner;
            Size = size;
            Input = GC.AllocateArray<float>(size * owner.Channels * owner.Samples, pinned: true);
            _inputValue = OrtValue.CreateTensorValueFromMemory(Input, [size, owner.Channels, owner.Samples]);
            _outputs = owner.OutputNames.Select(_ => GC.AllocateArray<float>(size * owner.Classes, pinned: true)).ToArray();
            _outputValues = _outputs.Select(o => OrtValue.CreateTensorValueFromMemory(o, [size, owner.Classes])).ToArray();
            _binding = owner._session.CreateIoBinding();
            _binding.BindInput(owner.InputName, _inputValue);
            for (var i = 0; i < _outputValues.Length; i++) _binding.BindOutput(owner.OutputNames[i], _outputValues[i]);
        }

        public int Size { get; }
        public float[] Input { get; }
        public float[] Probabilities => _outputs[_owner._probabilityOutput];

        public void Run(RunOptions? options = null)
        {
            _owner._session.RunWithBinding(options ?? _owner._runOptions, _binding);
            if (_owner._softmaxInCSharp) SoftmaxRows(Probabilities, _owner.Classes);
        }

        private static void SoftmaxRows(float[] values, int width)
        {
            for (var r = 0; r + width <= values.Length; r += width)
            {
                var row = values.AsSpan(r, width);
                var max = float.NegativeInfinity;
                foreach (var v in row) max = Math.Max(max, v);
                var sum = 0f;
                for (var i = 0; i < row.Length; i++) { row[i] = MathF.Exp(row[i] - max); sum += row[i]; }
                for (var i = 0; i < row.Length; i++) row[i] /= sum;
            }
        }

        public void Dispose()
        {
            _binding.Dispose();
            _inputValue.Dispose();
            foreach (var v in _outputValues) v.Dispose();
        }
    }
}
