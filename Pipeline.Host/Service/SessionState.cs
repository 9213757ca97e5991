namespace Pipeline.Host.Service;

/// <summary>Where a service session is in its life.</summary>
internal enum SessionState
{
    /// <summary>Not running (never started, or stopped on request).</summary>
    Stopped,
    /// <summary>Opening its source, model and outputs.</summary>
    Starting,
    /// <summary>Decoding.</summary>
    Running,
    /// <summary>Stopping: source stopped, draining, closing outputs.</summary>
    Stopping,
    /// <summary>The source ended (a replay without loop, a simulator with a duration).</summary>
    Completed,
    /// <summary>Stopped by an error; <see cref="ServiceSession.Reason"/> says which.</summary>
    Failed,
}
