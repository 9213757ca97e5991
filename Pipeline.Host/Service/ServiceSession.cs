using System.Reactive.Linq;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Host.Dashboard;
using Pipeline.Sinks.Console;
using Pipeline.Sinks.Files;
using Pipeline.Sinks.Lsl;
using Pipeline.Sinks.Xdf;

namespace Pipeline.Host.Service;

/// <summary>
/// One configured session inside the service: started and stopped on request, run on its own thread (source →
/// decoder → sinks, with the recording tapped off the source), logging one line per state change.
/// </summary>
internal sealed class ServiceSession
{
    private readonly SessionConfiguration _config;
    private readonly string _baseDirectory;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private CancellationTokenSource? _cancel;
    private Thread? _thread;
    private SessionDecoder? _decoder;
    private SessionState _state = SessionState.Stopped;

    /// <summary>Creates the session (nothing opens until <see cref="Start"/>).</summary>
    public ServiceSession(SessionConfiguration config, string baseDirectory, ILogger log)
    {
        _config = config;
        _baseDirectory = baseDirectory;
        _log = log;
        Id = config.Id!;
    }

    /// <summary>The session's id.</summary>
    public string Id { get; }
    /// <summary>Where its first window starts, as a fraction of the hop (see <see cref="WindowStagger"/>).</summary>
    public double PhaseFraction { get; init; }
    /// <summary>How the shared runner of its model runs (the service's <c>inference</c> settings).</summary>
    public Core.Inference.BatchingOptions Batching { get; init; } = new();
    /// <summary>The shared runner its model runs on while it decodes, or null (no model, or not running).</summary>
    public Core.Inference.BatchingModelRunner? Runner => _decoder?.Runner;
    /// <summary>Its configuration.</summary>
    public SessionConfiguration Configuration => _config;
    /// <summary>Where it is now.</summary>
    public SessionState State { get { lock (_gate) return _state; } }
    /// <summary>Why it failed (one sentence, no stack trace), or null.</summary>
    public string? Reason { get; private set; }
    /// <summary>True while the operator wants it running (started and not stopped on request).</summary>
    public bool Wanted { get; private set; }
    /// <summary>What the source is, once opened.</summary>
    public string? SourceSummary { get; private set; }
    /// <summary>The recording being written (as configured, placeholders filled in), or null.</summary>
    public string? RecordingPath { get; private set; }
    /// <summary>The counters of the current (or last) run.</summary>
    public SessionCounters Counters { get; private set; } = new();
    /// <summary>The stream's nominal rate, once opened.</summary>
    public double NominalRate { get; private set; }
    /// <summary>When the current run started (UTC), or null.</summary>
    public DateTime? StartedUtc { get; private set; }
    /// <summary>The live view of the current (or last) run: its monitor and what it runs; null before the first run decodes.</summary>
    public LiveSession? Live { get; private set; }
    /// <summary>Where each window's latency is recorded for Prometheus (set by the metrics before the sessions start), or null.</summary>
    public System.Diagnostics.Metrics.Histogram<double>? LatencyHistogram { get; set; }
    /// <summary>Windows the decoder dropped in the current run.</summary>
    public long Drops => _decoder?.Drops ?? 0;
    /// <summary>Windows that online alignment aligned with its last good matrix (no usable reference yet); 0 without online alignment.</summary>
    public long Guarded => _decoder?.Session.GuardedWindows ?? 0;
    /// <summary>"online" when the session runs online Euclidean alignment, else null.</summary>
    public string? Alignment => _decoder?.Session.OnlineAlignment is null ? null : "online";

    /// <summary>Starts a run on a new thread; false when it is already starting, running or stopping.</summary>
    public bool Start()
    {
        lock (_gate)
        {
            if (_state is SessionState.Starting or SessionState.Running or SessionState.Stopping) return false;
            Wanted = true;
            Reason = null;
            Counters = new SessionCounters(LatencyHistogram, Id);
            StartedUtc = DateTime.UtcNow;
            _cancel = new CancellationTokenSource();
            SetState(SessionState.Starting, null);
            var cancel = _cancel.Token;
            _thread = new Thread(() => Run(cancel)) { IsBackground = true, Name = "session " + Id };
            _thread.Start();
            return true;
        }
    }

    /// <summary>Stops the source, drains, closes the outputs (recording footers); true when that finished within <paramref name="timeout"/>.</summary>
    public bool Stop(TimeSpan timeout)
    {
        Thread? thread;
        lock (_gate)
        {
            Wanted = false;
            thread = _thread;
            if (_state is SessionState.Starting or SessionState.Running)
            {
                SetState(SessionState.Stopping, null);
                _cancel?.Cancel();
            }
        }
        return thread is null || thread.Join(timeout);
    }

    private void Run(CancellationToken cancel)
    {
        var sinks = new List<IPipelineSink>();
        XdfRecorderSink? recorder = null;
        SessionSource? source = null;
        try
        {
            source = SessionSourceFactory.Open(_config.Source!, _baseDirectory, Id, line => _log.LogInformation("session {Session}: {Note}", Id, line));
            SourceSummary = source.Summary;
            NominalRate = source.Description.NominalRate;
            var counters = Counters;
            // A live stream (LSL, a microphone, or a source at real pace) drops its oldest window when the shared model
            // falls behind; a replay or simulator sped up beyond real time waits instead, so nothing it plays is lost.
            var blockWhenFull = _config.Source!.Kind is not ("lsl" or "microphone") && _config.Source.Speed > 1;
            _decoder = SessionFactory.Create(source, _config, _baseDirectory, line => _log.LogInformation("session {Session}: {Note}", Id, line), blockWhenFull, Batching, PhaseFraction);
            var s = _config.Sinks ?? new();
            if (s.Console) sinks.Add(new ConsoleSink(new ConsoleSinkOptions(0, ShowMarkers: false)));
            if (s.Jsonl is { } j) sinks.Add(new JsonLinesSink(ServicePaths.Resolve(_baseDirectory, j)));
            if (s.Csv is { } c) sinks.Add(new CsvSink(ServicePaths.Resolve(_baseDirectory, c)));
            if (s.Lsl?.Commands is { } lc) sinks.Add(new LslCommandSink(lc));
            if (s.Lsl?.Predictions is { } lp) sinks.Add(new LslPredictionSink(lp));
            if (_config.Recording?.Xdf is { } xdf)
            {
                RecordingPath = ServicePaths.Expand(xdf, Id, StartedUtc ?? DateTime.UtcNow);
                var recordingFile = ServicePaths.Resolve(_baseDirectory, RecordingPath);
                if (Path.GetDirectoryName(recordingFile) is { Length: > 0 } folder) Directory.CreateDirectory(folder); // a fresh clone has no out/
                recorder = new XdfRecorderSink(recordingFile, source.Description, new XdfRecorderOptions { Session = Id, RawFormat = source.RecordedFormat });
                sinks.Add(recorder);
            }
            // The live view's monitor (EEG and speech alike), then the counters last: latency runs until every other
            // sink has its prediction.
            var live = SessionMonitors.Attach(_decoder.Session);
            sinks.Add(live.Monitor);
            Live = live;
            sinks.Add(counters);
            // The counters and the recording tap the source's events before the session sees them.
            var events = source.Events.Do(e =>
            {
                counters.OnSourceEvent(e);
                recorder?.OnSourceEvent(e);
            });
            lock (_gate) if (_state == SessionState.Starting) SetState(SessionState.Running, null);
            _decoder.Session.Run(events, sinks, cancel);
            Close(sinks, source);
            sinks.Clear();
            source = null;
            recorder?.ThrowIfFailed(); // a failure while closing (the footers) is still this run's failure
            lock (_gate) SetState(cancel.IsCancellationRequested ? SessionState.Stopped : SessionState.Completed, null);
        }
        catch (Exception e)
        {
            var reason = UserError.Describe(e);
            if (reason is null) _log.LogError(e, "session {Session}: internal error", Id);
            try { Close(sinks, source); } catch (Exception closing) { _log.LogError(closing, "session {Session}: closing its outputs failed", Id); }
            lock (_gate)
            {
                Reason = reason is null ? $"internal error ({e.GetType().Name}); see the service log" : WithConfiguredPaths(reason);
                SetState(SessionState.Failed, Reason);
            }
        }
    }

    /// <summary>Messages name files by their resolved path; show them as the configuration names them (relative to its folder).</summary>
    private string WithConfiguredPaths(string message)
    {
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(_baseDirectory)) + Path.DirectorySeparatorChar;
        return message.Replace(prefix, "", StringComparison.Ordinal);
    }

    private void Close(List<IPipelineSink> sinks, SessionSource? source)
    {
        // Sinks first (recording footers), then the model and the source; one that fails to close (a full disk) does
        // not keep the others open.
        foreach (var sink in sinks)
        {
            try { sink.Dispose(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PipelineException)
            {
                _log.LogWarning("session {Session}: closing an output failed: {Reason}", Id, UserError.Describe(e) ?? e.Message);
            }
        }
        _decoder?.Dispose();
        source?.Dispose();
    }

    // Called under _gate: one log line per state change, never per sample or window.
    private void SetState(SessionState state, string? reason)
    {
        if (_state == state) return;
        _state = state;
        switch (state)
        {
            case SessionState.Starting: _log.LogInformation("session {Session} starting", Id); break;
            case SessionState.Running: _log.LogInformation("session {Session} running: {Source}", Id, SourceSummary); break;
            case SessionState.Stopping: _log.LogInformation("session {Session} stopping", Id); break;
            case SessionState.Stopped:
            case SessionState.Completed:
                _log.LogInformation("session {Session} {State}: {Windows} windows, {Commands} commands, {Gaps} gaps{Recording}", Id,
                    state == SessionState.Stopped ? "stopped" : "completed (the source ended)", Counters.Windows, Counters.Commands, Counters.Gaps,
                    RecordingPath is null ? "" : $", recording '{RecordingPath}' closed");
                break;
            case SessionState.Failed: _log.LogError("session {Session} failed: {Reason}", Id, reason); break;
        }
    }
}
