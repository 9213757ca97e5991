using System.CommandLine;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Host.Cli;

/// <summary>Options shared by several verbs, defined once so they read the same everywhere.</summary>
internal static class CommonOptions
{
    public static Argument<string> RecordingArgument() => new("file")
    {
        Description = "An XDF (LabRecorder), EDF/EDF+/BDF or GDF recording.",
    };

    public static Option<double[]> Band(string description = "Band-pass edges in Hz, e.g. --band 8 30 (causal Butterworth, order 4).") => new("--band")
    {
        Description = description,
        Arity = new ArgumentArity(2, 2),
        AllowMultipleArgumentsPerToken = true,
    };

    public static Option<double?> Notch() => new("--notch")
    {
        Description = "Notch out the power line at this frequency in Hz (50 or 60).",
    };

    public static Option<string?> Channels() => new("--channels")
    {
        Description = "Keep only these channels, in this order, by label (comma-separated; EDF spellings such as 'C3..' match 'C3').",
    };

    /// <summary>JSON Lines output: <c>--jsonl</c> in every verb (as <c>sinks.jsonl</c> in serve's configuration).</summary>
    public static Option<string?> JsonLines(string description) => new("--jsonl") { Description = description };

    public static Option<string?> Stream() => new("--stream")
    {
        Description = "The signal stream to use, by name or index (default: the main EEG stream).",
    };

    public static Option<string?> AlignCalibration() => new("--align-calibration")
    {
        Description = "A calibration recording of the same person (XDF, EDF/BDF or GDF, e.g. a cued run before the session): its windows seed the model's online alignment (cards with alignment mode online).",
    };

    public static Option<string?> Out(string description) => new("--out", "-o") { Description = description };

    public static (double Low, double High)? ParseBand(double[]? band)
    {
        if (band is null || band.Length == 0) return null;
        if (band.Length != 2 || !(band[0] >= 0) || !(band[1] > band[0]))
            throw new PipelineException($"--band needs two frequencies, low then high (e.g. --band 8 30), not '{string.Join(" ", band ?? [])}'.");
        return (band[0], band[1]);
    }

    public static IReadOnlyList<string>? ParseList(string? list) =>
        string.IsNullOrWhiteSpace(list) ? null : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static Option<string> Device() => new("--device")
    {
        Description = "Where the model runs: cpu, cuda or auto (cuda when it works, else cpu; says which).",
        DefaultValueFactory = _ => "cpu",
    };

    public static ExecutionDevice ParseDevice(string? device) => device?.ToLowerInvariant() switch
    {
        null or "cpu" => ExecutionDevice.Cpu,
        "cuda" or "gpu" => ExecutionDevice.Cuda,
        "auto" => ExecutionDevice.Auto,
        _ => throw new PipelineException($"--device '{device}' is not known; use cpu, cuda or auto."),
    };

    /// <summary>Decision options: smoothing, threshold, refractory period, rest class.</summary>
    public sealed class DecisionOptionSet
    {
        public Option<int> Smooth { get; } = new("--smooth") { Description = "Smooth over the last k windows before deciding.", DefaultValueFactory = _ => 4 };
        public Option<string> Vote { get; } = new("--vote") { Description = "How the k windows are combined: mean (of probabilities) or majority.", DefaultValueFactory = _ => "mean" };
        public Option<double> Threshold { get; } = new("--threshold") { Description = "Smoothed confidence needed for a command (0..1; default 0.6, for a WAV file's keywords 0.5).", DefaultValueFactory = _ => 0.6 };
        public Option<double> Refractory { get; } = new("--refractory") { Description = "Seconds after a command during which no other command is sent (default 1, for a WAV file's keywords 0.3).", DefaultValueFactory = _ => 1.0 };
        public Option<string?> Rest { get; } = new("--rest") { Description = "A class that never sends a command (e.g. rest)." };

        public void AddTo(System.CommandLine.Command command)
        {
            command.Options.Add(Smooth);
            command.Options.Add(Vote);
            command.Options.Add(Threshold);
            command.Options.Add(Refractory);
            command.Options.Add(Rest);
        }

        public DecisionOptions Parse(ParseResult parse) => new()
        {
            WindowCount = parse.GetValue(Smooth),
            Smoothing = parse.GetValue(Vote)?.ToLowerInvariant() switch
            {
                "mean" or null => SmoothingMode.Mean,
                "majority" => SmoothingMode.Majority,
                var v => throw new PipelineException($"--vote '{v}' is not known; use mean or majority."),
            },
            Threshold = parse.GetValue(Threshold),
            RefractorySeconds = parse.GetValue(Refractory),
            RestClass = parse.GetValue(Rest),
        };
    }
}
