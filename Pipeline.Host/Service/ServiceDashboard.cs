using Pipeline.Host.Dashboard;

namespace Pipeline.Host.Service;

/// <summary>The service's sessions as the dashboard lists them: state, rates and counters as /status has them, paths cut to file names.</summary>
internal sealed class ServiceDashboard(SessionHost host) : IDashboardSessions
{
    /// <inheritdoc />
    public string Title => "pipeline serve";
    /// <inheritdoc />
    public bool Controllable => true;

    /// <inheritdoc />
    public bool Exists(string id) => host.ById.ContainsKey(id);

    /// <inheritdoc />
    public LiveSession? Live(string id) => host.ById.TryGetValue(id, out var s) ? s.Live : null;

    /// <inheritdoc />
    public IReadOnlyList<DashboardSessionSummary> List() => [.. host.Sessions.Select(s =>
    {
        var status = SessionStatus.Of(s);
        return new DashboardSessionSummary
        {
            Id = status.Id,
            State = status.State,
            Reason = PathRedaction.FileNamesOnly(status.Reason),
            Kind = s.Live?.Kind ?? KindOf(s.Configuration),
            Source = PathRedaction.FileNamesOnly(status.Source) ?? s.Configuration.Source?.Kind,
            Model = s.Configuration.Model?.Path is { } m ? Path.GetFileName(m) : null,
            NominalRateHz = status.NominalRateHz,
            InputRateHz = status.InputRateHz,
            Frames = status.Frames,
            Windows = status.Windows,
            Commands = status.Commands,
            Drops = status.Drops,
            Skipped = status.Skipped,
            Gaps = status.Gaps,
            LatencyP50Ms = status.LatencyP50Ms,
            LatencyP99Ms = status.LatencyP99Ms,
            Quality = status.Quality is { } q ? [.. q.Where(c => c.Flags.Count > 0)] : [],
            Controllable = true,
        };
    })];

    // Before a session's first run: what its configuration says it will be (a microphone or a .wav file is speech;
    // the name is enough for a label, and the list is asked for every second, so no file is opened for it).
    private static string KindOf(SessionConfiguration c) =>
        c.Source?.Kind == "microphone" || c.Source?.File is { } f && f.EndsWith(".wav", StringComparison.OrdinalIgnoreCase) ? "speech"
        : c.Model is null ? "bandpower" : "eeg";
}
