using System.Globalization;
using Pipeline.Core.Audio;
using Pipeline.Core.Monitoring;
using Pipeline.Core.Sessions;

namespace Pipeline.Host.Dashboard;

/// <summary>The live view of a <see cref="DecodingSession"/>: its monitor, and the words the page's header shows.</summary>
internal static class SessionMonitors
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// A monitor watching <paramref name="session"/>'s taps (<see cref="SessionMonitor.For"/>); add
    /// <see cref="LiveSession.Monitor"/> to the session's sinks, after the sinks whose time its latency should include.
    /// Call before the session starts.
    /// </summary>
    public static LiveSession Attach(DecodingSession session)
    {
        var monitor = SessionMonitor.For(session);
        var model = session.Model is { } m ? Path.GetFileName(m.ModelPath) : null;
        if (session.IsSpeech)
        {
            var upstream = session.Model is SslKeywordModel kws ? $"{Path.GetFileName(kws.UpstreamPath)} → {kws.HeadCard.Architecture}" : "the keyword model";
            return new LiveSession(monitor, "speech", model, $"VAD → last second → {upstream}");
        }
        var processing = (session.Band is { } b ? $"band-pass {b.Low.ToString("G", Inv)}-{b.High.ToString("G", Inv)} Hz" : "no band-pass")
            + (session.NotchHz > 0 ? $", notch {session.NotchHz.ToString("G", Inv)} Hz" : "")
            + $", windows {(session.WindowSamples / session.Rate).ToString("G4", Inv)} s, {session.Channels.Count} channels at {session.Rate.ToString("G", Inv)} Hz";
        return new LiveSession(monitor, session.Model is null ? "bandpower" : "eeg", model, processing);
    }
}
