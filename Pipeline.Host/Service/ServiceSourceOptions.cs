using Pipeline.Core.Audio;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Sources.Simulation;

namespace Pipeline.Host.Service;

/// <summary>Turns configuration records into the options of sources, models and sessions (shared by validation and start).</summary>
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

    /// <summary>An EEG session's options.</summary>
    public static DecodingOptions Decoding(SessionConfiguration config, bool blockWhenFull)
    {
        var pre = config.Preprocessing ?? new();
        var d = config.Decisions ?? new();
        return new DecodingOptions
        {
            Session = config.Id!,
            WindowSeconds = pre.Window,
            HopSeconds = pre.Hop,
            Band = pre.Band is [var lo, var hi] ? (lo, hi) : null,
            Notch = pre.Notch,
            Channels = pre.Channels is { Count: > 0 } ch ? ch : null,
            ResampleTo = pre.Resample,
            BlockWhenFull = blockWhenFull,
            Cues = config.Model?.Markers is { Count: > 0 } markers ? Cli.CueOptionSet.Pair(markers, config.Model.Classes) : null,
            Decisions = new DecisionOptions
            {
                WindowCount = d.Smooth ?? 4,
                Smoothing = d.Vote == "majority" ? SmoothingMode.Majority : SmoothingMode.Mean,
                Threshold = d.Threshold ?? 0.6,
                RefractorySeconds = d.Refractory ?? 1.0,
                RestClass = d.Rest,
                CommandNames = d.Commands ?? new Dictionary<string, string>(),
            },
        };
    }

    /// <summary>A speech session's options: the speech defaults, changed where the configuration says so.</summary>
    public static AudioSessionOptions Speech(SessionConfiguration config, bool blockWhenFull)
    {
        var d = config.Decisions ?? new();
        var defaults = new AudioSessionOptions().Decision;
        return new AudioSessionOptions
        {
            Session = config.Id!,
            Live = !blockWhenFull,
            Decision = defaults with
            {
                WindowCount = d.Smooth ?? defaults.WindowCount,
                Smoothing = d.Vote == "majority" ? SmoothingMode.Majority : SmoothingMode.Mean,
                Threshold = d.Threshold ?? defaults.Threshold,
                RefractorySeconds = d.Refractory ?? defaults.RefractorySeconds,
                RestClass = d.Rest ?? defaults.RestClass,
                CommandNames = d.Commands ?? new Dictionary<string, string>(),
            },
        };
    }

    /// <summary>True for a model card of a speech keyword head (its input is the upstream's hidden states [layers, batch, frames, width]).</summary>
    public static bool IsSpeechModel(ModelCard card) => card.Input.Shape.Count == 4;
}
