using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sinks.Lsl;

/// <summary>
/// The pipeline's <see cref="StreamDescription"/> as an LSL <see cref="StreamInfo"/> (the reverse of
/// <c>Pipeline.Sources.Lsl.StreamInfoDescription</c>), for everything that publishes or records a stream.
/// </summary>
public static class StreamDescriptionInfo
{
    /// <summary>
    /// Name, type (EEG where the description has none), channel count, rate, float32 values (what chunks carry), the
    /// source id (<paramref name="fallbackSourceId"/> where the description has none) and the channels' labels, units
    /// and type in <c>desc/channels</c>.
    /// </summary>
    public static StreamInfo ToStreamInfo(this StreamDescription description, string fallbackSourceId = "") =>
        ToStreamInfo(description, fallbackSourceId, ValueFormat.Float32);

    /// <summary>The same, declaring the values as <paramref name="format"/> (for a recording of values held exactly in that format).</summary>
    public static StreamInfo ToStreamInfo(this StreamDescription description, string fallbackSourceId, ValueFormat format)
    {
        ArgumentNullException.ThrowIfNull(description);
        var type = description.Type.Length > 0 ? description.Type : "EEG";
        var sourceId = description.SourceId.Length > 0 ? description.SourceId : fallbackSourceId;
        var info = new StreamInfo(description.Name, type, description.ChannelCount, description.NominalRate, ChannelFormatOf(format), sourceId);
        info.SetChannels(description.ChannelLabels.Select((label, i) => new ChannelDescription(label, description.ChannelUnits[i], type)));
        return info;
    }

    /// <summary>The LSL channel format of a pipeline value format.</summary>
    public static ChannelFormat ChannelFormatOf(ValueFormat format) => format switch
    {
        ValueFormat.Double64 => ChannelFormat.Double64,
        ValueFormat.String => ChannelFormat.String,
        ValueFormat.Int32 => ChannelFormat.Int32,
        ValueFormat.Int16 => ChannelFormat.Int16,
        ValueFormat.Int8 => ChannelFormat.Int8,
        ValueFormat.Int64 => ChannelFormat.Int64,
        _ => ChannelFormat.Float32,
    };
}
