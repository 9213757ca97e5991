namespace Pipeline.Core.Signals;

/// <summary>
/// What a signal stream is: its name and type, its channels (labels and units, in order), its nominal
/// sampling rate (0 for irregular streams such as markers), its value format and the id of its source.
/// </summary>
public sealed record StreamDescription
{
    /// <summary>Creates a description; <paramref name="channelUnits"/> defaults to empty units.</summary>
    public StreamDescription(string name, string type, IReadOnlyList<string> channelLabels, double nominalRate,
        ValueFormat format = ValueFormat.Float32, IReadOnlyList<string>? channelUnits = null, string sourceId = "")
    {
        ArgumentNullException.ThrowIfNull(channelLabels);
        if (double.IsNaN(nominalRate) || nominalRate < 0)
            throw new ArgumentOutOfRangeException(nameof(nominalRate), nominalRate, "The nominal rate must be 0 (irregular) or positive.");
        if (channelUnits is not null && channelUnits.Count != channelLabels.Count)
            throw new ArgumentException($"{channelUnits.Count} units were given for {channelLabels.Count} channels.", nameof(channelUnits));
        Name = name;
        Type = type;
        ChannelLabels = channelLabels;
        ChannelUnits = channelUnits ?? Enumerable.Repeat(string.Empty, channelLabels.Count).ToArray();
        NominalRate = nominalRate;
        Format = format;
        SourceId = sourceId;
    }

    /// <summary>The stream's name (LSL <c>name</c>).</summary>
    public string Name { get; init; }
    /// <summary>The content type (LSL <c>type</c>), e.g. <c>EEG</c> or <c>Markers</c>.</summary>
    public string Type { get; init; }
    /// <summary>Channel labels in stream order.</summary>
    public IReadOnlyList<string> ChannelLabels { get; init; }
    /// <summary>Channel units in stream order (empty string where unknown).</summary>
    public IReadOnlyList<string> ChannelUnits { get; init; }
    /// <summary>Nominal sampling rate in Hz; 0 means irregular.</summary>
    public double NominalRate { get; init; }
    /// <summary>The value format of the stream as produced (chunks always carry float32 values).</summary>
    public ValueFormat Format { get; init; }
    /// <summary>The source id (LSL <c>source_id</c>), used to find the same device again after a restart.</summary>
    public string SourceId { get; init; }
    /// <summary>Number of channels.</summary>
    public int ChannelCount => ChannelLabels.Count;
    /// <summary>True when the stream has a regular rate.</summary>
    public bool IsRegular => NominalRate > 0;

    /// <summary>A copy with other channel labels (and units), e.g. after selection.</summary>
    public StreamDescription WithChannels(IReadOnlyList<string> labels, IReadOnlyList<string> units) =>
        new(Name, Type, labels, NominalRate, Format, units, SourceId);

    /// <summary>A copy with another nominal rate, e.g. after resampling.</summary>
    public StreamDescription WithRate(double rate) =>
        new(Name, Type, ChannelLabels, rate, Format, ChannelUnits, SourceId);
}
