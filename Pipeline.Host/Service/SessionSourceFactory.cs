using System.Globalization;
using System.Reactive.Concurrency;
using Pipeline.Core.Signals;
using Pipeline.Sources.Audio;
using Pipeline.Sinks.Lsl;
using Pipeline.Sources.Lsl;
using Pipeline.Sources.Replay;
using Pipeline.Sources.Simulation;

namespace Pipeline.Host.Service;

/// <summary>Opens the source a session's configuration describes (LSL streams are resolved here, so this may wait).</summary>
internal static class SessionSourceFactory
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Opens the source; throws <see cref="PipelineException"/> when it cannot be opened.</summary>
    /// <param name="source">The session's source configuration.</param>
    /// <param name="baseDirectory">Where relative paths start.</param>
    /// <param name="sessionId">The session's id (names threads and streams).</param>
    /// <param name="log">Where an LSL source says which outlet it took after a reconnect (one line per reconnect).</param>
    public static SessionSource Open(SourceConfiguration source, string baseDirectory, string sessionId, Action<string>? log = null) => source.Kind switch
    {
        "simulator" => OpenSimulator(source, sessionId),
        "replay" => OpenReplay(source, baseDirectory, sessionId),
        "lsl" => OpenLsl(source, log),
        "microphone" => OpenMicrophone(source, sessionId),
        _ => throw new PipelineException($"Unknown source kind '{source.Kind}'; use lsl, replay, simulator or microphone."),
    };

    private static SessionSource OpenSimulator(SourceConfiguration s, string sessionId)
    {
        var thread = PacingThread(sessionId);
        var sim = new SimulatorSource(ServiceSourceOptions.Simulation(s, sessionId), new SimulatorSourceOptions { Speed = s.Speed, DurationSeconds = s.Duration }, thread);
        var d = sim.Description;
        return new SessionSource(d, sim, $"simulator seed {s.Seed}, {d.ChannelCount} channels at {d.NominalRate.ToString("G", Inv)} Hz, {s.Speed.ToString("G", Inv)}x", thread);
    }

    private static SessionSource OpenReplay(SourceConfiguration s, string baseDirectory, string sessionId)
    {
        var recording = Recording.Open(ServicePaths.Resolve(baseDirectory, s.File!));
        var owned = new List<IDisposable> { recording };
        try
        {
            var thread = PacingThread(sessionId);
            owned.Add(thread);
            var replay = new ReplaySource(recording, new ReplayOptions { Speed = s.Speed, Stream = s.Stream, Loop = s.Loop }, thread);
            var d = replay.Description;
            var what = recording is WavRecording ? "audio" : $"{d.ChannelCount} channels";
            return new SessionSource(d, replay, $"replay {s.File} ('{d.Name}', {what} at {d.NominalRate.ToString("G", Inv)} Hz), {s.Speed.ToString("G", Inv)}x{(s.Loop ? ", looped" : "")}", [.. owned]);
        }
        catch
        {
            foreach (var d in owned) d.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One thread per paced source: its chunks (and the whole session behind them) run there in order, and a slow
    /// session cannot hold up the thread pool that the others' timers need.
    /// </summary>
    private static EventLoopScheduler PacingThread(string sessionId) =>
        new(start => new Thread(start) { IsBackground = true, Name = "source " + sessionId });

    private static SessionSource OpenLsl(SourceConfiguration s, Action<string>? log)
    {
        // The process's own outlets (this session's and every other session's commands and predictions) are excluded
        // live: one that another session opens while this one is still resolving, or before it reconnects, is never taken.
        var source = LslCuedSource.Open(
            new LslSourceOptions(s.Name, s.Type, s.SourceId, s.EffectiveQuery is { } p ? LslQuery.Parse(p) : null, s.EffectiveWait, Exclude: LslOwnOutlets.Uids),
            s.Markers is { } m ? new LslSourceOptions(Predicate: LslQuery.Parse(m), ResolveTimeout: s.EffectiveWait, Exclude: LslOwnOutlets.Uids) : null);
        if (log is not null)
        {
            // Another pipeline program's output (its own process's are excluded): legitimate, but rarely what a broad
            // query meant, so the log says so next to the stream's identity.
            foreach (var (role, taken) in new[] { ("signal", source.Signal), ("cue", source.Cues) })
                if (taken is not null && LslOwnOutlets.IsPipelineOutput(taken.Info))
                    log($"note: the {role} stream {Verbs.RunVerb.Identify(taken.Info)} is another pipeline program's output; give a narrower query (name=..., source_id=...) if that is not meant");
            // A reconnect may take another outlet of the same stream (a restarted program, another host): say which.
            source.Signal.Recovered += r => log($"signal stream resumed after {r.Outage:F1} s from {Verbs.RunVerb.Identify(source.Signal.ConnectedInfo)}, outlet {r.NewUid}");
            if (source.Cues is { } c) c.Recovered += r => log($"cue stream resumed after {r.Outage:F1} s from {Verbs.RunVerb.Identify(c.ConnectedInfo)}, outlet {r.NewUid}");
        }
        var d = source.Description;
        return new SessionSource(d, source, $"lsl {Verbs.RunVerb.Identify(source.Signal.Info)}, {d.ChannelCount} channels at {d.NominalRate.ToString("G", Inv)} Hz{(source.Cues is { } cues ? $", with cues from {Verbs.RunVerb.Identify(cues.Info)}" : "")}", source);
    }

    private static SessionSource OpenMicrophone(SourceConfiguration s, string sessionId)
    {
        var mic = Microphone.Open(new MicrophoneOptions { Device = s.Device, Server = s.Server, StreamName = "microphone-" + sessionId });
        return new SessionSource(mic.Description, mic, $"microphone '{mic.DeviceName}' (16 kHz mono)", mic);
    }
}
