using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using Pipeline.Core.Signals;
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
        "microphone" => throw new PipelineException("Microphone sources are not available in this build; use lsl, replay or simulator."),
        _ => throw new PipelineException($"Unknown source kind '{source.Kind}'; use lsl, replay, simulator or microphone."),
    };

    private static SessionSource OpenSimulator(SourceConfiguration s, string sessionId)
    {
        var thread = PacingThread(sessionId);
        var sim = new SimulatorSource(ServiceSourceOptions.Simulation(s, sessionId), new SimulatorSourceOptions { Speed = s.Speed, DurationSeconds = s.Duration }, thread);
        var d = sim.Description;
        return new SessionSource(d, sim, $"simulator seed {s.Seed}, {d.ChannelCount} channels at {d.NominalRate.ToString("G", Inv)} Hz, {s.Speed.ToString("G", Inv)}x", null, thread);
    }

    private static SessionSource OpenReplay(SourceConfiguration s, string baseDirectory, string sessionId)
    {
        var recording = Recording.Open(ServicePaths.Resolve(baseDirectory, s.File!));
        var owned = new List<IDisposable> { recording };
        try
        {
            var thread = PacingThread(sessionId);
            owned.Add(thread);
            var replay = new ReplaySource(recording, new ReplayOptions { Speed = s.Speed, Stream = s.Stream }, thread);
            var d = replay.Description;
            var events = s.Loop ? Loop(replay, replay.Stream) : replay;
            return new SessionSource(d, events, $"replay {s.File} ('{d.Name}', {d.ChannelCount} channels at {d.NominalRate.ToString("G", Inv)} Hz), {s.Speed.ToString("G", Inv)}x{(s.Loop ? ", looped" : "")}", null, [.. owned]);
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
        var eeg = LslSource.Open(new LslSourceOptions(s.Name, s.Type, s.SourceId, s.Predicate is { } p ? ServiceSourceOptions.LslPredicate(p) : null, s.ResolveTimeout));
        LslSource? cues = null;
        try
        {
            if (eeg.Description.Format == ValueFormat.String)
                throw new PipelineException($"The LSL stream '{eeg.Description.Name}' carries text markers, not signals; point the source at the EEG stream and 'markers' at this one.");
            if (s.Markers is { } m) cues = LslSource.Open(new LslSourceOptions(Predicate: ServiceSourceOptions.LslPredicate(m), ResolveTimeout: s.ResolveTimeout));
            // Chunks and cues come from different threads: one ordered event stream.
            var events = Observable.Merge(
                    eeg.Chunks.Select(SourceEvent.FromChunk),
                    cues?.Markers.Select(SourceEvent.FromMarker) ?? Observable.Never<SourceEvent>())
                .Synchronize();
            var d = eeg.Description;
            var owned = cues is null ? new IDisposable[] { eeg } : [cues, eeg];
            return new SessionSource(d, events, $"lsl '{d.Name}' ({d.ChannelCount} channels at {d.NominalRate.ToString("G", Inv)} Hz){(cues is null ? "" : $" with cues from '{cues.Description.Name}'")}",
                () => { eeg.Start(); cues?.Start(); }, owned);
        }
        catch
        {
            cues?.Dispose();
            eeg.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Plays a replay again and again; each lap's timestamps (and markers) are shifted by the recording's length, so
    /// time keeps rising and the session sees one continuous stream.
    /// </summary>
    internal static IObservable<SourceEvent> Loop(IObservable<SourceEvent> replay, RecordedStream stream)
    {
        var period = stream.Duration + (stream.Description.NominalRate > 0 ? 1 / stream.Description.NominalRate : 0);
        return Observable.Create<SourceEvent>(observer =>
        {
            var lap = 0;
            var stopped = false;
            var current = new SerialDisposable();
            SignalChunk? shifted = null;
            void Subscribe()
            {
                var offset = lap * period;
                current.Disposable = replay.Subscribe(
                    e =>
                    {
                        if (offset == 0) { observer.OnNext(e); return; }
                        if (e.Chunk is { } c)
                        {
                            // The source reuses its chunk; shift a copy of our own, reused across chunks.
                            shifted ??= new SignalChunk(c.Description, c.Frames);
                            shifted.Reset(c.Description, c.Frames);
                            c.Samples.CopyTo(shifted.Samples);
                            var ts = shifted.TimestampSpan;
                            var src = c.TimestampSpan;
                            for (var i = 0; i < ts.Length; i++) ts[i] = src[i] + offset;
                            shifted.ArrivalTicks = c.ArrivalTicks;
                            observer.OnNext(SourceEvent.FromChunk(shifted));
                        }
                        else
                        {
                            observer.OnNext(SourceEvent.FromMarker(e.Marker with { Timestamp = e.Marker.Timestamp + offset }));
                        }
                    },
                    observer.OnError,
                    () =>
                    {
                        if (stopped) return;
                        lap++;
                        Subscribe();
                    });
            }
            Subscribe();
            return Disposable.Create(() =>
            {
                stopped = true;
                current.Dispose();
            });
        });
    }
}
