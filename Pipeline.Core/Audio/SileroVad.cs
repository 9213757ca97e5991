using Microsoft.ML.OnnxRuntime;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Audio;

/// <summary>
/// The Silero VAD v5/v6 ONNX model run frame by frame with its recurrent state: each call takes 512 new samples at
/// 16 kHz (32 ms), prepends the last 64 samples of the previous frame, and returns the speech probability. Inputs
/// and outputs are pre-allocated, so a call allocates nothing. Not thread-safe: one instance per stream.
/// </summary>
public sealed class SileroVad : IDisposable
{
    /// <summary>New samples per call.</summary>
    public const int FrameSamples = 512;
    /// <summary>Samples of the previous frame the model sees again.</summary>
    public const int ContextSamples = 64;
    private const int StateSize = 2 * 128;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly float[] _input = new float[ContextSamples + FrameSamples];
    private readonly float[] _state = new float[StateSize];
    private readonly float[] _stateOut = new float[StateSize];
    private readonly float[] _output = new float[1];
    private readonly long[] _rate = [SpeechAudio.Rate];
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly OrtIoBinding _binding;

    private SileroVad(InferenceSession session, string path)
    {
        _session = session;
        Path = path;
        _inputs =
        [
            OrtValue.CreateTensorValueFromMemory(_input, [1, _input.Length]),
            OrtValue.CreateTensorValueFromMemory(_state, [2, 1, 128]),
            OrtValue.CreateTensorValueFromMemory(_rate, []),
        ];
        _outputs =
        [
            OrtValue.CreateTensorValueFromMemory(_output, [1, 1]),
            OrtValue.CreateTensorValueFromMemory(_stateOut, [2, 1, 128]),
        ];
        // IoBinding over pinned buffers: a frame is one native call without managed allocations.
        _binding = session.CreateIoBinding();
        _binding.BindInput("input", _inputs[0]);
        _binding.BindInput("state", _inputs[1]);
        _binding.BindInput("sr", _inputs[2]);
        _binding.BindOutput("output", _outputs[0]);
        _binding.BindOutput("stateN", _outputs[1]);
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <summary>The default location of the model shipped with the project (models/silero-vad/silero_vad.onnx), searched upwards from the program.</summary>
    public static string? FindDefault()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "models", "silero-vad", "silero_vad.onnx");
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    /// <summary>Loads the model and checks that it has the v5/v6 interface (input [B,576], state [2,B,128], sr).</summary>
    /// <exception cref="PipelineException">The file is missing, unreadable or has another interface.</exception>
    public static SileroVad Load(string path)
    {
        if (!File.Exists(path)) throw new PipelineException($"Silero VAD model '{path}' does not exist; pass --vad with the path of silero_vad.onnx (shipped in models/silero-vad).");
        InferenceSession session;
        try
        {
            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new PipelineException($"Silero VAD model '{path}' could not be loaded ({e.Message.Split('\n')[0].TrimEnd('.')}); use the silero_vad.onnx from models/silero-vad.", e);
        }
        var inputs = session.InputMetadata;
        if (!inputs.ContainsKey("input") || !inputs.ContainsKey("state") || !inputs.ContainsKey("sr") || !session.OutputMetadata.ContainsKey("stateN"))
        {
            session.Dispose();
            throw new PipelineException($"Model '{path}' does not have the Silero VAD v5/v6 interface (inputs input, state, sr; outputs output, stateN); use the silero_vad.onnx from models/silero-vad.");
        }
        return new SileroVad(session, path);
    }

    /// <summary>Forgets the recurrent state and the context (a new stream, or after a gap).</summary>
    public void Reset()
    {
        Array.Clear(_state);
        Array.Clear(_input);
    }

    /// <summary>Runs one frame of exactly <see cref="FrameSamples"/> samples and returns the speech probability.</summary>
    public float Process(ReadOnlySpan<float> frame)
    {
        if (frame.Length != FrameSamples) throw new ArgumentException($"Silero VAD takes {FrameSamples} samples per call, not {frame.Length}.", nameof(frame));
        // The last 64 samples of the previous input become the context of this one.
        _input.AsSpan(FrameSamples, ContextSamples).CopyTo(_input);
        frame.CopyTo(_input.AsSpan(ContextSamples));
        _session.RunWithBinding(_runOptions, _binding);
        _stateOut.CopyTo(_state, 0);
        return _output[0];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _binding.Dispose();
        foreach (var v in _inputs) v.Dispose();
        foreach (var v in _outputs) v.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
