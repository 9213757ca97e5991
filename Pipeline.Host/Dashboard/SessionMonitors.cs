using System.Globalization;
using Pipeline.Core.Monitoring;
using Pipeline.Core.Operators;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Host.Sessions;

namespace Pipeline.Host.Dashboard;

/// <summary>Builds the monitor of a session for the live view and wires it as a sink and two taps.</summary>
internal static class SessionMonitors
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// A monitor for <paramref name="session"/>: its channels before filtering feed the quality check, after filtering
    /// the scope; predictions, commands, markers and gaps arrive as a sink (added to <paramref name="sinks"/>, last, so
    /// latency runs to the moment every other sink had its turn). Call before the session starts.
    /// </summary>
    public static LiveSession Attach(DecodingSession session, string id, ICollection<IPipelineSink> sinks)
    {
        var input = session.Input;
        var units = UnitsOf(input, session.Channels);
        var decoded = new StreamDescription(input.Name, input.Type, session.Channels, session.Rate, input.Format, units, input.SourceId);
        var classes = session.Runner?.Card.Classes;
        var monitor = new SessionMonitor(id, new SessionMonitorLayout
        {
            Scope = decoded,
            Quality = decoded,
            Values = classes ?? session.Channels,
            ValueKind = classes is null ? "bandpower" : "probabilities",
        });
        session.Tap(monitor.OnRawChunk, monitor.OnFilteredChunk);
        sinks.Add(monitor);
        var processing = (session.Band is { } b ? $"band-pass {b.Low.ToString("G", Inv)}-{b.High.ToString("G", Inv)} Hz" : "no band-pass")
            + (session.NotchHz > 0 ? $", notch {session.NotchHz.ToString("G", Inv)} Hz" : "")
            + $", windows {(session.WindowSamples / session.Rate).ToString("G4", Inv)} s, {session.Channels.Count} channels at {session.Rate.ToString("G", Inv)} Hz";
        return new LiveSession(monitor, classes is null ? "bandpower" : "eeg", session.Runner is { } r ? Path.GetFileName(r.ModelPath) : null, processing);
    }

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
