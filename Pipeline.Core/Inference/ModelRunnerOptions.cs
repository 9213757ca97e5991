namespace Pipeline.Core.Inference;

/// <summary>How a <see cref="ModelRunner"/> runs its model.</summary>
public sealed record ModelRunnerOptions
{
    /// <summary>CPU, CUDA or automatic choice.</summary>
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Cpu;
    /// <summary>Threads inside one operator (ONNX Runtime intra-op); 0 lets ONNX Runtime choose.</summary>
    public int IntraOpThreads { get; init; } = 1;
    /// <summary>Fixed batch sizes (buckets); each gets its own pre-allocated, pre-bound buffers and a warm-up run.</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [1];
    /// <summary>Run every bucket once at start so the first real window does not pay ONNX Runtime's first-run cost.</summary>
    public bool WarmUp { get; init; } = true;
    /// <summary>CUDA device id.</summary>
    public int CudaDeviceId { get; init; }
}
