using Pipeline.Core.Signals;

namespace Pipeline.Sources.Simulation;

/// <summary>Channel label lists for the simulator's common channel counts (8, 16, 22, 32 and 64 channels).</summary>
public static class StandardMontages
{
    /// <summary>The 22 EEG channels of BCI Competition IV dataset 2a, in its order.</summary>
    public static IReadOnlyList<string> Bci2a22 { get; } =
    [
        "Fz", "FC3", "FC1", "FCz", "FC2", "FC4", "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
        "CP3", "CP1", "CPz", "CP2", "CP4", "P1", "Pz", "P2", "POz",
    ];

    /// <summary>An 8-channel consumer-headset layout (motor strip plus parieto-occipital).</summary>
    public static IReadOnlyList<string> Eight { get; } = ["Fz", "C3", "Cz", "C4", "Pz", "PO7", "Oz", "PO8"];

    /// <summary>A 16-channel sensorimotor layout.</summary>
    public static IReadOnlyList<string> Sixteen { get; } =
        ["FC3", "FC1", "FCz", "FC2", "FC4", "C3", "C1", "Cz", "C2", "C4", "CP3", "CP1", "CPz", "CP2", "CP4", "Pz"];

    /// <summary>A standard 32-channel 10-20 cap layout.</summary>
    public static IReadOnlyList<string> ThirtyTwo { get; } =
    [
        "Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "FC5", "FC1", "FC2", "FC6", "T7", "C3", "Cz", "C4", "T8",
        "CP5", "CP1", "CP2", "CP6", "P7", "P3", "Pz", "P4", "P8", "PO3", "PO4", "O1", "Oz", "O2", "FT9", "FT10",
    ];

    /// <summary>A standard 64-channel 10-10 cap layout.</summary>
    public static IReadOnlyList<string> SixtyFour { get; } =
    [
        "Fp1", "AF7", "AF3", "F1", "F3", "F5", "F7", "FT7", "FC5", "FC3", "FC1", "C1", "C3", "C5", "T7", "TP7",
        "CP5", "CP3", "CP1", "P1", "P3", "P5", "P7", "P9", "PO7", "PO3", "O1", "Iz", "Oz", "POz", "Pz", "CPz",
        "Fpz", "Fp2", "AF8", "AF4", "AFz", "Fz", "F2", "F4", "F6", "F8", "FT8", "FC6", "FC4", "FC2", "FCz", "Cz",
        "C2", "C4", "C6", "T8", "TP8", "CP6", "CP4", "CP2", "P2", "P4", "P6", "P8", "P10", "PO8", "PO4", "O2",
    ];

    /// <summary>The layout for <paramref name="channelCount"/> channels (8, 16, 22, 32 or 64).</summary>
    public static IReadOnlyList<string> ForChannelCount(int channelCount) => channelCount switch
    {
        8 => Eight,
        16 => Sixteen,
        22 => Bci2a22,
        32 => ThirtyTwo,
        64 => SixtyFour,
        _ => throw new PipelineException(
            $"The simulator has no standard layout for {channelCount} channels; use 8, 16, 22, 32 or 64, or give the channel labels yourself."),
    };
}
