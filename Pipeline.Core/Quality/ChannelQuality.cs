namespace Pipeline.Core.Quality;

/// <summary>One channel's quality over its last measured block.</summary>
/// <param name="Channel">The channel's label.</param>
/// <param name="Flags">What is wrong (<see cref="QualityFlags.None"/> when nothing is).</param>
/// <param name="StdMicrovolts">Standard deviation of the raw signal over the block, µV.</param>
/// <param name="PeakMicrovolts">Largest absolute value with the drift removed (above about 1 Hz), µV.</param>
/// <param name="LineNoiseRatio">Share of the power above about 1 Hz at the mains frequency (0..1); NaN where no mains frequency fits the rate.</param>
/// <param name="LineFrequency">The mains frequency with the larger power, Hz (0 where none fits).</param>
/// <param name="RailedFraction">Share of the block's samples that repeat the previous one exactly at the block's minimum or maximum.</param>
public readonly record struct ChannelQuality(string Channel, QualityFlags Flags, double StdMicrovolts, double PeakMicrovolts,
    double LineNoiseRatio, double LineFrequency, double RailedFraction)
{
    /// <summary>True when nothing is wrong.</summary>
    public bool IsGood => Flags == QualityFlags.None;

    /// <summary>The flags as lower-case words (flat, railed, line-noise, excessive-amplitude), for people and JSON.</summary>
    public IReadOnlyList<string> FlagNames => Names(Flags);

    /// <summary>The words for <paramref name="flags"/>.</summary>
    public static IReadOnlyList<string> Names(QualityFlags flags)
    {
        if (flags == QualityFlags.None) return [];
        var names = new List<string>(4);
        if ((flags & QualityFlags.Flat) != 0) names.Add("flat");
        if ((flags & QualityFlags.Railed) != 0) names.Add("railed");
        if ((flags & QualityFlags.LineNoise) != 0) names.Add("line-noise");
        if ((flags & QualityFlags.ExcessiveAmplitude) != 0) names.Add("excessive-amplitude");
        return names;
    }
}
