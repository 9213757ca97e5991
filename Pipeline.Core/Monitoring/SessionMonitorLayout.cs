using Pipeline.Core.Operators;
using Pipeline.Core.Quality;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Monitoring;

/// <summary>What a <see cref="SessionMonitor"/> keeps for display, and how much of it.</summary>
public sealed record SessionMonitorLayout
{
    /// <summary>The filtered stream the scope shows (the channels the model uses, after resampling); null: no scope.</summary>
    public StreamDescription? Scope { get; init; }
    /// <summary>The raw stream whose channel quality is measured (the model's channels before filtering); null: no quality check.</summary>
    public StreamDescription? Quality { get; init; }
    /// <summary>Quality thresholds (null: the defaults).</summary>
    public SignalQualityOptions? QualityOptions { get; init; }
    /// <summary>Names of the per-window values (class names, or channel labels for band power); null: no predictions.</summary>
    public IReadOnlyList<string>? Values { get; init; }
    /// <summary>What the values are: <c>probabilities</c> or <c>bandpower</c>.</summary>
    public string ValueKind { get; init; } = "probabilities";
    /// <summary>True for a speech session (VAD probability and segments instead of a scope).</summary>
    public bool Speech { get; init; }
    /// <summary>Seconds of scope kept (readers see at most this much history).</summary>
    public double ScopeSeconds { get; init; } = 20;
    /// <summary>Highest scope frame rate, frames/s; faster streams are decimated to it.</summary>
    public double MaxDisplayRate { get; init; } = 128;
    /// <summary>Per-window values, commands and segments kept.</summary>
    public int HistoryCapacity { get; init; } = 1024;

    /// <summary>
    /// What a live view of <paramref name="session"/> shows. EEG: a scope and a quality check of the channels the
    /// windows are cut from, at the session's rate and in the input's units, and its prediction values (class
    /// probabilities, or band power per channel without a model). Speech: the VAD and the segments, and the classes.
    /// </summary>
    public static SessionMonitorLayout For(DecodingSession session, SignalQualityOptions? quality = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        var values = session.ValueNames.Count > 0 ? session.ValueNames : null;
        if (session.IsSpeech) return new SessionMonitorLayout { Speech = true, Values = values };
        var input = session.Input;
        var decoded = new StreamDescription(input.Name, input.Type, session.Channels, session.Rate, input.Format, UnitsOf(input, session.Channels), input.SourceId);
        return new SessionMonitorLayout
        {
            Scope = decoded,
            Quality = decoded,
            QualityOptions = quality,
            Values = values,
            ValueKind = session.Model is null ? "bandpower" : "probabilities",
        };
    }

    // The units of the decoded channels (the quality thresholds are in microvolts); unknown where labels do not resolve.
    private static string[] UnitsOf(StreamDescription input, IReadOnlyList<string> channels)
    {
        try
        {
            var index = ChannelLabels.Resolve(input.ChannelLabels, channels);
            return [.. index.Select(i => input.ChannelUnits[i])];
        }
        catch (PipelineException)
        {
            return [.. channels.Select(_ => "")];
        }
    }
}
