namespace Pipeline.Core.Inference;

/// <summary>Where a model runs.</summary>
public enum ExecutionDevice
{
    /// <summary>The CPU execution provider.</summary>
    Cpu,
    /// <summary>CUDA (needs the <c>-p:Gpu=true</c> build and a GPU); falls back to the CPU with one log line.</summary>
    Cuda,
    /// <summary>CUDA when it works, else the CPU; says which it picked.</summary>
    Auto,
}
