namespace Pipeline.Host.Dashboard;

/// <summary>The sessions a dashboard shows: the service's configured sessions, or the one session of a CLI verb.</summary>
internal interface IDashboardSessions
{
    /// <summary>A title for the page (what runs; no paths).</summary>
    string Title { get; }
    /// <summary>True when sessions can be started and stopped from the page (through the service's HTTP API).</summary>
    bool Controllable { get; }
    /// <summary>Every session, in order.</summary>
    IReadOnlyList<DashboardSessionSummary> List();
    /// <summary>True when <paramref name="id"/> names a session.</summary>
    bool Exists(string id);
    /// <summary>The session's current run, or null while it does not run (stopped, starting, failed).</summary>
    LiveSession? Live(string id);
}
