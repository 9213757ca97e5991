namespace Pipeline.Core.Quality;

/// <summary>What is wrong with a channel over its last measured block (none, one or several at once).</summary>
[Flags]
public enum QualityFlags
{
    /// <summary>Nothing found: the channel looks like a working electrode.</summary>
    None = 0,
    /// <summary>The signal barely moves (standard deviation below <see cref="SignalQualityOptions.FlatMicrovolts"/>): a broken lead, a bridged or disconnected electrode, or a dead channel.</summary>
    Flat = 1,
    /// <summary>Many samples sit exactly at the block's extreme value: the amplifier or the converter saturated (railed, clipped).</summary>
    Railed = 2,
    /// <summary>The mains frequency (50 or 60 Hz) carries a large share of the power: a poorly attached electrode or an unshielded cable.</summary>
    LineNoise = 4,
    /// <summary>The signal swings far beyond EEG (movement, electrode pops, a loose contact).</summary>
    ExcessiveAmplitude = 8,
}
