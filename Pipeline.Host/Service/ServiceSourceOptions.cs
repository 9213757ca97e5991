using Pipeline.Core.Inference;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Sources.Simulation;

namespace Pipeline.Host.Service;

/// <summary>Turns configuration records into the options of sources and models (shared by validation and start).</summary>
internal static class ServiceSourceOptions
{
    /// <summary>The simulator a <c>simulator</c> source describes.</summary>
    public static MotorImagerySimulatorOptions Simulation(SourceConfiguration s, string sessionId) => new()
    {
        Seed = s.Seed,
        SamplingRate = s.Rate,
        ChannelLabels = s.Channels is { Count: > 0 } c ? c : StandardMontages.Bci2a22,
        Classes = s.Classes is { Count: > 0 } k ? k : ["left", "right"],
        StreamName = "Simulator-" + sessionId,
        StartTime = Pipeline.Lsl.LslClock.LocalClock(),
    };

    /// <summary>The execution device a model's <c>device</c> names.</summary>
    public static ExecutionDevice Device(string? device) => device?.ToLowerInvariant() switch
    {
        null or "cpu" => ExecutionDevice.Cpu,
        "cuda" or "gpu" => ExecutionDevice.Cuda,
        "auto" => ExecutionDevice.Auto,
        _ => throw new PipelineException($"unknown device '{device}' (expected cpu, cuda or auto)"),
    };

    /// <summary>The LSL query of a predicate written as key=value pairs or XPath.</summary>
    public static string LslPredicate(string text) => LslOptions.Predicate(text);
}
