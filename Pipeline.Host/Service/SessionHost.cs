using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pipeline.Host.Service;

/// <summary>
/// The hosted service that owns every configured session: starts the enabled ones with the host, samples their
/// input rates once a second, and at shutdown (SIGTERM) stops them all in parallel — sources stopped, drained,
/// recordings closed with footers — within the host's shutdown time.
/// </summary>
internal sealed class SessionHost : IHostedService, IDisposable
{
    /// <summary>How long one session may take to stop.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(4);

    private readonly ILogger _log;
    private readonly IHostApplicationLifetime? _lifetime;
    private CancellationTokenRegistration _started;
    private Timer? _rates;

    /// <summary>Creates the sessions (nothing starts before <see cref="StartAsync"/>).</summary>
    public SessionHost(ServiceConfiguration config, string baseDirectory, ILoggerFactory logs, IHostApplicationLifetime? lifetime = null)
    {
        _lifetime = lifetime;
        _log = logs.CreateLogger("Pipeline.Service");
        var sessionLog = logs.CreateLogger("Pipeline.Session");
        // Sessions started together share this machine's clock: their windows are staggered over the hop.
        var phases = WindowStagger.Fractions(config.Sessions, baseDirectory);
        Inference = config.Inference ?? new();
        var batching = Inference.ToBatching();
        Sessions = config.Sessions.Select(s => new ServiceSession(s, baseDirectory, sessionLog) { PhaseFraction = phases[s.Id!], Batching = batching }).ToArray();
        ById = Sessions.ToDictionary(s => s.Id, StringComparer.Ordinal);
    }

    /// <summary>How the shared runners run the models (as configured; <see cref="InferenceConfiguration.EffectiveWorkers"/> threads each).</summary>
    public InferenceConfiguration Inference { get; }
    /// <summary>The sessions in configuration order.</summary>
    public IReadOnlyList<ServiceSession> Sessions { get; }
    /// <summary>The sessions by id.</summary>
    public IReadOnlyDictionary<string, ServiceSession> ById { get; }

    /// <summary>True when every session the operator wants running is running.</summary>
    public bool Ready => Sessions.All(s => !s.Wanted || s.State == SessionState.Running);

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The sessions start once the HTTP server listens (ApplicationStarted): a port in use then ends the service
        // before any session opened a source or created a file.
        if (_lifetime is null) StartSessions();
        else _started = _lifetime.ApplicationStarted.Register(StartSessions);
        return Task.CompletedTask;
    }

    private void StartSessions()
    {
        var enabled = Sessions.Where(s => s.Configuration.Enabled).ToList();
        _log.LogInformation("starting {Count} of {Total} sessions", enabled.Count, Sessions.Count);
        foreach (var s in enabled) s.Start();
        _rates = new Timer(_ => { foreach (var s in Sessions) s.Counters.SampleRate(); }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _started.Dispose();
        _rates?.Dispose();
        var stops = Sessions.Select(s => Task.Run(() =>
        {
            if (!s.Stop(StopTimeout)) _log.LogWarning("session {Session} did not stop within {Seconds} s", s.Id, StopTimeout.TotalSeconds);
        }, CancellationToken.None));
        try
        {
            await Task.WhenAll(stops).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _log.LogWarning("shutdown time ran out before every session stopped");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _started.Dispose();
        _rates?.Dispose();
    }
}
