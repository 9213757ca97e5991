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
    public static StreamInfo ToStreamInfo(this StreamDescription description, string fallbackSourceId = "")
    {
        ArgumentNullException.ThrowIfNull(description);
        var type = description.Type.Length > 0 ? description.Type : "EEG";
        var sourceId = description.SourceId.Length > 0 ? description.SourceId : fallbackSourceId;
        var info = new StreamInfo(description.Name, type, description.ChannelCount, description.NominalRate, ChannelFormat.Float32, sourceId);
        info.SetChannels(description.ChannelLabels.Select((label, i) => new ChannelDescription(label, description.ChannelUnits[i], type)));
        return info;
    }
}
