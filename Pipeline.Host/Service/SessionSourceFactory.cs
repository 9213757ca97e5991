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
    public static SessionSource Open(SourceConfiguration source, string baseDirectory, string sessionId) => source.Kind switch
    {
        "simulator" => OpenSimulator(source, sessionId),
        "replay" => OpenReplay(source, baseDirectory, sessionId),
        "lsl" => OpenLsl(source),
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

    private static SessionSource OpenLsl(SourceConfiguration s)
    {
        var source = LslCuedSource.Open(
            new LslSourceOptions(s.Name, s.Type, s.SourceId, s.EffectiveQuery is { } p ? LslQuery.Parse(p) : null, s.EffectiveWait, Exclude: LslOwnOutlets.Uids),
            s.Markers is { } m ? new LslSourceOptions(Predicate: LslQuery.Parse(m), ResolveTimeout: s.EffectiveWait, Exclude: LslOwnOutlets.Uids) : null);
        var d = source.Description;
        return new SessionSource(d, source, $"lsl {Verbs.RunVerb.Identify(source.Signal.Info)}, {d.ChannelCount} channels at {d.NominalRate.ToString("G", Inv)} Hz{(source.Cues is { } cues ? $", with cues from {Verbs.RunVerb.Identify(cues.Info)}" : "")}", source);
    }

    private static SessionSource OpenMicrophone(SourceConfiguration s, string sessionId)
    {
        var mic = Microphone.Open(new MicrophoneOptions { Device = s.Device, Server = s.Server, StreamName = "microphone-" + sessionId });
        return new SessionSource(mic.Description, mic, $"microphone '{mic.DeviceName}' (16 kHz mono)", mic);
    }
}
