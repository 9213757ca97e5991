namespace Pipeline.Lsl;

/// <summary>One channel's metadata as LSL stores it in <c>desc/channels/channel/{label,unit,type}</c>.</summary>
/// <param name="Label">The channel label (e.g. <c>Cz</c>); empty when absent.</param>
/// <param name="Unit">The unit (e.g. <c>microvolts</c>); empty when absent.</param>
/// <param name="Type">The channel type (e.g. <c>EEG</c>); empty when absent.</param>
public sealed record ChannelDescription(string Label, string Unit = "", string Type = "");
