using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using Pipeline.Core.Signals;

namespace Pipeline.Sources.Simulation;

/// <summary>
/// The simulator as a source: a cold observable of <see cref="SourceEvent"/>s (chunks of
/// <see cref="MotorImagerySimulatorOptions.ChunkFrames"/> frames and the markers) paced on an injected scheduler.
/// </summary>
/// <remarks>
/// <para>Each subscription is one run of its own, bit-identical to every other run with the same options (only
/// <see cref="SignalChunk.ArrivalTicks"/> differs). A marker is emitted right AFTER the chunk that holds the frame
/// at its timestamp, so when a marker arrives the signal at its time has already been delivered.</para>
/// <para>Pacing: at speed S chunk k (from 0) is emitted at <c>subscribe time + k * ChunkFrames / (SamplingRate * S)</c>
/// on the scheduler's clock, so the first chunk leaves at once. In <see cref="SimulatorSourceOptions.Fast"/> mode
/// the run loops without pacing (on a long-running thread where the scheduler offers one), emitting as fast as the
/// subscriber consumes, and stops between chunks once the subscription is disposed.</para>
/// <para>Ownership: the chunk is one instance reused for the whole run; it is valid only during <c>OnNext</c>
/// (clone it to keep it). <see cref="SignalChunk.ArrivalTicks"/> is <see cref="Stopwatch.GetTimestamp"/> at emission.</para>
/// <para>To feed one run to two consumers (chunks and markers of a live session) use
/// <c>Publish()</c> with the <see cref="SourceEventExtensions.Chunks"/> and <see cref="SourceEventExtensions.Markers"/>
/// views and connect once both are subscribed; to record a run, subscribe one observer and switch on
/// <see cref="SourceEvent.IsChunk"/>.</para>
/// </remarks>
public sealed class SimulatorSource : IObservable<SourceEvent>
{
    private readonly MotorImagerySimulatorOptions _simulation;
    private readonly SimulatorSourceOptions _pacing;
    private readonly IScheduler _scheduler;

    /// <summary>Creates the source; throws a <see cref="PipelineException"/> for settings that cannot work.</summary>
    /// <param name="simulation">What to simulate.</param>
    /// <param name="pacing">Speed and duration (default: real time, endless).</param>
    /// <param name="scheduler">The clock and thread to emit on (default <see cref="Scheduler.Default"/>).</param>
    public SimulatorSource(MotorImagerySimulatorOptions simulation, SimulatorSourceOptions? pacing = null, IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        simulation.Validate();
        _simulation = simulation;
        _pacing = pacing ?? new SimulatorSourceOptions();
        if (!_pacing.Fast && !(double.IsFinite(_pacing.Speed) && _pacing.Speed > 0))
            throw new PipelineException($"The simulator's speed {_pacing.Speed} is invalid; give a positive factor such as 1 (real time) or use fast mode.");
        if (_pacing.DurationSeconds is { } d && !(double.IsFinite(d) && d >= 0))
            throw new PipelineException($"The simulator's duration {d} s is invalid; give 0 or more seconds, or none to run until stopped.");
        _scheduler = scheduler ?? Scheduler.Default;
        Description = new MotorImagerySimulator(simulation).Description;
    }

    /// <summary>The EEG stream the chunks belong to.</summary>
    public StreamDescription Description { get; }

    /// <summary>Frames in the whole run, or -1 when it runs until disposed.</summary>
    public long TotalFrames => _pacing.DurationSeconds is { } d ? (long)Math.Round(d * _simulation.SamplingRate, MidpointRounding.AwayFromZero) : -1;

    /// <summary>Starts a new run for <paramref name="observer"/>; disposing the result stops it.</summary>
    public IDisposable Subscribe(IObserver<SourceEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var run = new Run(this, observer);
        run.Start();
        return run;
    }

    private sealed class Run : IDisposable
    {
        private readonly SimulatorSource _source;
        private readonly IObserver<SourceEvent> _observer;
        private readonly MotorImagerySimulator _simulator;
        private readonly SignalChunk _chunk;
        private readonly List<Marker> _markers = new(capacity: 16);
        private readonly SerialDisposable _scheduled = new();
        private readonly long _totalFrames;
        private readonly int _chunkFrames;
        private DateTimeOffset _start;
        private long _chunkIndex;
        private long _emittedFrames;
        private volatile bool _disposed;

        public Run(SimulatorSource source, IObserver<SourceEvent> observer)
        {
            _source = source;
            _observer = observer;
            _simulator = new MotorImagerySimulator(source._simulation);
            _chunkFrames = source._simulation.ChunkFrames;
            _chunk = new SignalChunk(_simulator.Description, _chunkFrames);
            _totalFrames = source.TotalFrames;
        }

        public void Start()
        {
            var scheduler = _source._scheduler;
            if (_source._pacing.Fast)
            {
                if (scheduler.AsLongRunning() is { } longRunning)
                    _scheduled.Disposable = longRunning.ScheduleLongRunning(this, static (run, cancel) => run.RunFast(cancel));
                else
                    _scheduled.Disposable = scheduler.Schedule(this, static (_, run) =>
                    {
                        run.RunFast(null);
                        return Disposable.Empty;
                    });
                return;
            }
            _start = scheduler.Now;
            // Rx's recursive scheduling keeps the chain's handle itself: storing each next step's handle by hand races
            // with that step running on another thread (and can cancel it, freezing the source).
            // Relative due times: Rx re-evaluates absolute ones when it thinks the wall clock jumped.
            _scheduled.Disposable = scheduler.Schedule(TimeSpan.Zero, (Action<TimeSpan> self) =>
            {
                if (Step() is not { } due) return;
                var wait = due - scheduler.Now;
                self(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
            });
        }

        private void RunFast(ICancelable? cancel)
        {
            while (!_disposed && cancel?.IsDisposed != true)
            {
                if (!EmitNext()) return;
            }
        }

        // Emits the chunk that is due and returns when the next one is due (null once the run has ended).
        private DateTimeOffset? Step()
        {
            if (_disposed || !EmitNext()) return null;
            _chunkIndex++;
            var seconds = _chunkIndex * (double)_chunkFrames / (_source._simulation.SamplingRate * _source._pacing.Speed);
            return _start + TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
        }

        // Emits one chunk and the markers inside it; false once the run has completed.
        private bool EmitNext()
        {
            var frames = _chunkFrames;
            if (_totalFrames >= 0) frames = (int)Math.Min(frames, _totalFrames - _emittedFrames);
            if (frames <= 0)
            {
                _observer.OnCompleted();
                return false;
            }
            _chunk.Reset(_simulator.Description, frames);
            _simulator.Fill(_chunk.Data, _chunk.Timestamps, frames, _markers);
            _emittedFrames += frames;
            _chunk.ArrivalTicks = Stopwatch.GetTimestamp();
            _observer.OnNext(SourceEvent.FromChunk(_chunk));
            for (var i = 0; i < _markers.Count && !_disposed; i++)
                _observer.OnNext(SourceEvent.FromMarker(_markers[i]));
            _markers.Clear();
            if (_totalFrames >= 0 && _emittedFrames >= _totalFrames && !_disposed)
            {
                _observer.OnCompleted();
                return false;
            }
            return true;
        }

        public void Dispose()
        {
            _disposed = true;
            _scheduled.Dispose();
        }
    }
}
