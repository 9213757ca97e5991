using System.Diagnostics;
using System.Reactive.Disposables;
using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sources.Lsl;

/// <summary>
/// A live LSL stream as a pipeline source: an <see cref="IObservable{SourceEvent}"/> that starts reading when it is
/// subscribed (on a background thread) and stops when the subscription is disposed. Numeric streams give chunks
/// (float32 frames, and for other formats the exact values in <see cref="SignalChunk.Exact"/>; timestamps mapped into the local LSL clock by the inlet's time correction,
/// <see cref="SignalChunk.ArrivalTicks"/> taken at receipt); string streams give markers (the first channel's
/// text); both give a gap event, before the next data, when the producer went away and came back.
/// </summary>
/// <remarks>
/// <see cref="Open"/> resolves the stream and connects, so its description is known (to check it against a model)
/// before anything is read; samples that arrive meanwhile wait in the inlet's buffer (30 s). One subscription at a
/// time: share it with <c>Publish()</c>. The chunk is reused between <c>OnNext</c> calls (see <see cref="Snapshots"/>).
/// </remarks>
public sealed class LslSource : IObservable<SourceEvent>, IDisposable
{
    private readonly StreamInlet _inlet;
    private readonly LslSourceOptions _options;
    private readonly Lock _gate = new();
    private volatile InletRecovery? _pendingGap;
    private Reader? _reader;
    private bool _disposed;

    private LslSource(StreamInlet inlet, StreamInfo info, LslSourceOptions options)
    {
        _inlet = inlet;
        _options = options;
        Info = info;
        Description = StreamInfoDescription.Describe(info);
        _inlet.Recovered += r => _pendingGap = r;
    }

    /// <summary>Resolves the stream and connects to it.</summary>
    /// <remarks>
    /// <see cref="LslSourceOptions.Exclude"/> is read whenever it matters, not once: as each candidate answers, once the
    /// feed is connected, and at every reconnect. An outlet that becomes excluded while the resolve runs (another
    /// session of the process opened it) is passed over, and the source waits for another stream.
    /// </remarks>
    /// <exception cref="PipelineException">No stream matches within the timeout, or the match cannot be received.</exception>
    public static LslSource Open(LslSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var query = options.Query();
        if (query.Length == 0) throw new PipelineException("An LSL source needs a stream name, type, source id or predicate; set one.");
        Func<StreamInfo, bool>? accept = options.Exclude is { } excluded ? f => !excluded.Contains(f.Uid) : null;
        var resolver = new StreamResolver(options.Config);
        var deadline = LSL.LocalClock() + options.ResolveTimeout;
        while (true)
        {
            // The network evaluates the exclusion the query names (the outlets excluded when it was sent); a peer that
            // ignored it, or an outlet excluded since, is refused by accept when it answers.
            var info = resolver.Resolve(options.ResolveQuery(), 1, Math.Max(0, deadline - LSL.LocalClock()), accept).FirstOrDefault();
            if (info is null)
                throw new PipelineException($"No LSL stream matching {query} answered within {options.ResolveTimeout} s" +
                    (options.Exclude is { Count: > 0 } ? " (this session's own output streams do not count)" : "") +
                    "; start the stream or check lsl_api.cfg (scope, KnownPeers).");
            if (info.ChannelFormat == ChannelFormat.Undefined)
                throw new PipelineException($"LSL stream '{info.Name}' has an unknown channel format; it cannot be read.");
            var source = Connect(info, options, accept);
            // Excluded while connecting: let it go and look again (the timeout still holds).
            if (accept is null || accept(source.Info)) return source;
            source.Dispose();
        }
    }

    private static LslSource Connect(StreamInfo info, LslSourceOptions options, Func<StreamInfo, bool>? accept)
    {
        // A live session reads continuously: 30 s of buffer rides out a stall without holding liblsl's default 6 minutes.
        // A reconnect asks accept too: the session's own outlet may by then carry the lost stream's name and source id.
        var inlet = new StreamInlet(info, maxBuflen: 30, processing: ProcessingOptions.ClockSync, config: options.Config, accept: accept);
        try
        {
            var full = inlet.Info(Math.Max(1, options.ResolveTimeout));
            full.V4Address = info.V4Address;
            inlet.OpenStream(Math.Max(1, options.ResolveTimeout));
            return new LslSource(inlet, full, options);
        }
        catch (TimeoutException e)
        {
            inlet.Dispose();
            throw new PipelineException($"LSL stream '{info.Name}' was found but did not deliver its feed ({e.Message}); check firewalls between the hosts.");
        }
    }

    /// <summary>The full stream info of the producer.</summary>
    public StreamInfo Info { get; }

    /// <summary>
    /// The outlet the feed comes from now: after a reconnect it may be another outlet of the same stream (a restarted
    /// amplifier program, another host), with its own uid and hostname.
    /// </summary>
    public StreamInfo ConnectedInfo => _inlet.ConnectedInfo;

    /// <summary>Raised on the inlet's thread when the feed resumed after an outage (<see cref="ConnectedInfo"/> names the outlet taken).</summary>
    public event Action<InletRecovery>? Recovered
    {
        add => _inlet.Recovered += value;
        remove => _inlet.Recovered -= value;
    }

    /// <summary>The stream as the pipeline describes it (labels and units from <c>desc/channels</c>).</summary>
    public StreamDescription Description { get; }

    /// <summary>
    /// The format its chunks hold exactly: the stream's own for a numeric stream (float32 in the chunk's values, any
    /// other format in <see cref="SignalChunk.Exact"/>), so a recording can declare it and keep every bit.
    /// </summary>
    public ValueFormat ExactFormat => Description.Format == ValueFormat.String ? ValueFormat.Float32 : Description.Format;

    /// <summary>True for a string stream (markers), false for a numeric one (chunks).</summary>
    public bool IsMarkerStream => Info.ChannelFormat == ChannelFormat.String;

    /// <summary>Starts reading for <paramref name="observer"/>; disposing the result stops it.</summary>
    /// <exception cref="InvalidOperationException">The source is already being read.</exception>
    public IDisposable Subscribe(IObserver<SourceEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_reader is { IsRunning: true })
                throw new InvalidOperationException($"The LSL source '{Info.Name}' is read by one subscriber at a time; share it with Publish().");
            var reader = new Reader(this, observer);
            _reader = reader;
            reader.Start();
            return Disposable.Create(reader.Stop);
        }
    }

    /// <summary>Stops reading and disconnects.</summary>
    public void Dispose()
    {
        Reader? reader;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            reader = _reader;
        }
        reader?.Stop();
        _inlet.Dispose();
    }

    /// <summary>One subscription: a thread that pulls from the inlet until stopped.</summary>
    private sealed class Reader(LslSource source, IObserver<SourceEvent> observer)
    {
        private readonly CancellationTokenSource _stop = new();
        private Thread? _thread;

        public bool IsRunning => _thread is { IsAlive: true } && !_stop.IsCancellationRequested;

        public void Start()
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "LSL source " + source.Info.Name };
            _thread.Start();
        }

        public void Stop()
        {
            _stop.Cancel();
            // Never join from the reading thread itself (a subscriber that stops the source from OnNext).
            if (_thread is { } t && t != Thread.CurrentThread) t.Join(TimeSpan.FromSeconds(2));
        }

        private void Run()
        {
            try
            {
                if (source.IsMarkerStream) ReadMarkers();
                else ReadChunks();
            }
            catch (LslException e)
            {
                if (!_stop.IsCancellationRequested) observer.OnError(new PipelineException(e.Message, e));
            }
            catch (ObjectDisposedException)
            {
                // the source was disposed while reading
            }
        }

        private void ReadChunks()
        {
            var description = source.Description;
            var frames = Math.Max(1, source._options.ChunkFrames);
            var values = frames * description.ChannelCount;
            var chunk = new SignalChunk(description, frames);
            // A format float32 cannot hold is pulled as it was sent; the chunk carries that exact copy beside its floats.
            var exact = source.ExactFormat == ValueFormat.Float32 ? null : new ExactSamples(source.ExactFormat, values);
            chunk.Exact = exact;
            while (!_stop.IsCancellationRequested)
            {
                var timestamps = chunk.Timestamps.AsSpan(0, frames);
                var n = exact is null ? source._inlet.PullChunk(chunk.Data.AsSpan(0, values), timestamps, 0.1)
                    : exact.IsInt64 ? source._inlet.PullChunk(exact.Int64Buffer(values)[..values], timestamps, 0.1)
                    : source._inlet.PullChunk(exact.DoubleBuffer(values)[..values], timestamps, 0.1);
                if (n == 0 || _stop.IsCancellationRequested) continue;
                var arrival = Stopwatch.GetTimestamp();
                chunk.Reset(description, n);
                if (exact is not null)
                {
                    exact.SetCount(n * description.ChannelCount);
                    exact.CopyTo(chunk.Samples);
                }
                chunk.ArrivalTicks = arrival;
                ReportGap(chunk.FirstTimestamp);
                observer.OnNext(SourceEvent.FromChunk(chunk));
            }
        }

        private void ReadMarkers()
        {
            var sample = new string[source.Info.ChannelCount];
            while (!_stop.IsCancellationRequested)
            {
                var ts = source._inlet.PullSample(sample, 0.1);
                if (ts == 0.0 || _stop.IsCancellationRequested) continue;
                ReportGap(ts);
                observer.OnNext(SourceEvent.FromMarker(new Marker(ts, sample[0], 0, source.Info.Name)));
            }
        }

        private void ReportGap(double firstAfter)
        {
            if (source._pendingGap is not { } r) return;
            source._pendingGap = null;
            var rate = source.Info.NominalSrate;
            var missing = rate > 0 ? (long)Math.Max(0, Math.Round((firstAfter - r.LastTimestampBefore) * rate) - 1) : 0;
            observer.OnNext(SourceEvent.FromGap(new Gap(source.Info.Name, r.LastTimestampBefore, firstAfter, missing)));
        }
    }
}
