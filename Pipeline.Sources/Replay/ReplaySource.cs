using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using Pipeline.Core.Signals;

namespace Pipeline.Sources.Replay;

/// <summary>
/// Plays one signal stream of a recording, with the recording's markers interleaved in time order, as one
/// <see cref="IObservable{SourceEvent}"/>: paced like live (<c>Speed = 1</c>), N times faster, or in virtual time
/// (<c>Fast</c>: no waiting at all, the recording's own timestamps; the consumer's pace is the replay's pace, so
/// nothing is ever dropped); once, or looped (<see cref="ReplayOptions.Loop"/>).
/// </summary>
/// <remarks>
/// Each subscription is a new run from the start. A marker is emitted just before the first chunk whose last
/// frame is at or after the marker's time. Chunks are reused between <c>OnNext</c> calls (clone to keep). Pacing
/// uses the injected <see cref="IScheduler"/>, so tests run it in virtual time with a <see cref="HistoricalScheduler"/>.
/// </remarks>
public sealed class ReplaySource : IObservable<SourceEvent>
{
    private readonly Recording _recording;
    private readonly ReplayOptions _options;
    private readonly IScheduler _scheduler;

    /// <summary>Creates the source; <paramref name="scheduler"/> defaults to the default (thread-pool timer) scheduler.</summary>
    public ReplaySource(Recording recording, ReplayOptions options, IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Fast && (double.IsNaN(options.Speed) || options.Speed <= 0))
            throw new PipelineException($"The replay speed {options.Speed} is not a positive number; use --speed 1 for live pace, --speed 10 for ten times faster, or --fast.");
        if (options.ChunkFrames < 0)
            throw new PipelineException($"The chunk size {options.ChunkFrames} is negative; give a number of frames per chunk, or leave --chunk out.");
        _recording = recording;
        _options = options;
        // Fast replay runs on its own thread so the caller can wait with cancellation (Ctrl+C).
        _scheduler = scheduler ?? (options.Fast ? NewThreadScheduler.Default : DefaultScheduler.Instance);
        Stream = recording.ChooseSignalStream(options.Stream);
    }

    /// <summary>The stream being replayed.</summary>
    public RecordedStream Stream { get; }

    /// <summary>The description of the chunks.</summary>
    public StreamDescription Description => Stream.Description;

    /// <inheritdoc />
    public IDisposable Subscribe(IObserver<SourceEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return _options.Loop ? Looped(Observable.Create<SourceEvent>(SubscribeOnce), Stream).Subscribe(observer) : SubscribeOnce(observer);
    }

    /// <summary>
    /// Plays <paramref name="lap"/> again and again; each lap's timestamps (and markers) are shifted by the recording's
    /// length (plus one sample period), so time keeps rising and the consumer sees one continuous stream.
    /// </summary>
    private static IObservable<SourceEvent> Looped(IObservable<SourceEvent> lap, RecordedStream stream)
    {
        var period = stream.Duration + (stream.Description.NominalRate > 0 ? 1 / stream.Description.NominalRate : 0);
        return Observable.Create<SourceEvent>(observer =>
        {
            var laps = 0;
            var stopped = false;
            var current = new SerialDisposable();
            SignalChunk? shifted = null;
            void Next()
            {
                var offset = laps * period;
                current.Disposable = lap.Subscribe(
                    e =>
                    {
                        if (offset == 0 || e.IsGap) { observer.OnNext(e); return; }
                        if (e.Chunk is { } c)
                        {
                            // The lap reuses its chunk; shift a copy of our own, reused across chunks.
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
                        laps++;
                        Next();
                    });
            }
            Next();
            return Disposable.Create(() =>
            {
                stopped = true;
                current.Dispose();
            });
        });
    }

    private IDisposable SubscribeOnce(IObserver<SourceEvent> observer)
    {
        var chunkFrames = _options.ChunkFramesFor(Stream.Description);
        var markers = _recording.Markers;
        var enumerator = _recording.ReadChunks(Stream.Index, chunkFrames).GetEnumerator();
        var nextMarker = 0;
        var cancel = new BooleanDisposable();
        var finished = false;

        void Finish(Exception? error)
        {
            if (finished) return;
            finished = true;
            enumerator.Dispose();
            if (error is not null) { observer.OnError(error); return; }
            while (nextMarker < markers.Count) observer.OnNext(SourceEvent.FromMarker(markers[nextMarker++]));
            observer.OnCompleted();
        }

        void Emit(SignalChunk chunk)
        {
            var last = chunk.LastTimestamp;
            while (nextMarker < markers.Count && markers[nextMarker].Timestamp <= last)
                observer.OnNext(SourceEvent.FromMarker(markers[nextMarker++]));
            chunk.ArrivalTicks = Stopwatch.GetTimestamp();
            observer.OnNext(SourceEvent.FromChunk(chunk));
        }

        if (_options.Fast)
        {
            var work = _scheduler.Schedule(() =>
            {
                try
                {
                    while (!cancel.IsDisposed && enumerator.MoveNext()) Emit(enumerator.Current);
                    if (cancel.IsDisposed) enumerator.Dispose();
                    else Finish(null);
                }
                catch (Exception e) { Finish(e); }
            });
            return StableCompositeDisposable.Create(cancel, work);
        }

        // Paced: the chunk whose last frame has timestamp t is due at start + (t - t0) / speed, where t0 is the
        // first frame's timestamp. Absolute due times keep the pace free of drift; a clock reset (a due time in the
        // past) plays at once.
        var start = _scheduler.Now;
        var t0 = double.NaN;
        SignalChunk? due = null;
        // Rx's recursive scheduling owns the chain of handles: storing each next step's handle by hand races with that
        // step running on another thread and can cancel it, freezing the replay.
        // Relative due times: Rx re-evaluates absolute ones when it thinks the wall clock jumped.
        var run = _scheduler.Schedule(TimeSpan.Zero, (Action<TimeSpan> self) =>
        {
            try
            {
                if (cancel.IsDisposed) { enumerator.Dispose(); return; }
                if (due is not null) Emit(due);
                if (!enumerator.MoveNext()) { Finish(null); return; }
                due = enumerator.Current;
                if (double.IsNaN(t0)) t0 = due.FirstTimestamp;
                var wait = start + TimeSpan.FromSeconds(Math.Max(0, (due.LastTimestamp - t0) / _options.Speed)) - _scheduler.Now;
                self(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
            }
            catch (Exception e) { Finish(e); }
        });
        return StableCompositeDisposable.Create(cancel, run);
    }
}
