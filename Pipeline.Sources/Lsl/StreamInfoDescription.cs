using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sources.Lsl;

/// <summary>An LSL stream info (live or from an XDF header) as the pipeline's <see cref="StreamDescription"/>.</summary>
public static class StreamInfoDescription
{
    /// <summary>Name, type, channel labels and units (from <c>desc/channels</c>; <c>ch1</c>, <c>ch2</c>... where absent), rate, format, source id.</summary>
    public static StreamDescription Describe(StreamInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var channels = info.Channels;
        var labels = new string[info.ChannelCount];
        var units = new string[info.ChannelCount];
        for (var c = 0; c < info.ChannelCount; c++)
        {
            var ch = c < channels.Count ? channels[c] : null;
            labels[c] = string.IsNullOrWhiteSpace(ch?.Label) ? $"ch{c + 1}" : ch.Label;
            units[c] = ch?.Unit ?? "";
        }
        return new StreamDescription(info.Name, info.Type, labels, Math.Max(0, info.NominalSrate), FormatOf(info.ChannelFormat), units, info.SourceId);
    }

    /// <summary>The pipeline's name for an LSL channel format.</summary>
    public static ValueFormat FormatOf(ChannelFormat format) => format switch
    {
        ChannelFormat.Double64 => ValueFormat.Double64,
        ChannelFormat.String => ValueFormat.String,
        ChannelFormat.Int32 => ValueFormat.Int32,
        ChannelFormat.Int16 => ValueFormat.Int16,
        ChannelFormat.Int8 => ValueFormat.Int8,
        ChannelFormat.Int64 => ValueFormat.Int64,
        _ => ValueFormat.Float32,
    };
}
