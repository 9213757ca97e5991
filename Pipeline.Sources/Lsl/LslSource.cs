using System.Diagnostics;
using System.Reactive.Subjects;
using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sources.Lsl;

/// <summary>
/// A live LSL stream as a pipeline source: numeric streams as <see cref="Chunks"/> (float32 frames, timestamps mapped
/// into the local LSL clock by the inlet's time correction, <see cref="SignalChunk.ArrivalTicks"/> taken at receipt),
/// string streams as <see cref="Markers"/>, and outages of the producer as <see cref="Gaps"/>. Reading starts with
/// <see cref="Start"/> on a background thread; a chunk handed to <c>OnNext</c> is reused afterwards.
/// </summary>
public sealed class LslSource : IDisposable
{
    private readonly StreamInlet _inlet;
    private readonly LslSourceOptions _options;
    private readonly Subject<SignalChunk> _chunks = new();
    private readonly Subject<Marker> _markers = new();
    private readonly Subject<Gap> _gaps = new();
    private readonly CancellationTokenSource _cts = new();
    private Thread? _thread;
    private volatile InletRecovery? _pendingGap;

    private LslSource(StreamInlet inlet, StreamInfo info, LslSourceOptions options)
    {
        _inlet = inlet;
        _options = options;
        Info = info;
        Description = StreamInfoDescription.Describe(info);
        _inlet.Recovered += r => _pendingGap = r;
    }

    /// <summary>Resolves the stream and connects to it.</summary>
    /// <exception cref="PipelineException">No stream matches within the timeout, or the match cannot be received.</exception>
    public static LslSource Open(LslSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var query = options.Query();
        if (query.Length == 0) throw new PipelineException("An LSL source needs a stream name, type, source id or predicate; set one.");
        var found = LSL.ResolveByPred(query, 1, options.ResolveTimeout, options.Config);
        if (found.Count == 0)
            throw new PipelineException($"No LSL stream matching {query} answered within {options.ResolveTimeout} s; start the stream or check lsl_api.cfg (scope, KnownPeers).");
        var info = found[0];
        if (info.ChannelFormat == ChannelFormat.Undefined)
            throw new PipelineException($"LSL stream '{info.Name}' has an unknown channel format; it cannot be read.");
        // A live session reads continuously: 30 s of buffer rides out a stall without holding liblsl's default 6 minutes.
        var inlet = new StreamInlet(info, maxBuflen: 30, processing: ProcessingOptions.ClockSync, config: options.Config);
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

    /// <summary>The stream as the pipeline describes it (labels and units from <c>desc/channels</c>).</summary>
    public StreamDescription Description { get; }

    /// <summary>Frames of a numeric stream.</summary>
    public IObservable<SignalChunk> Chunks => _chunks;

    /// <summary>Events of a string stream (the first channel's text).</summary>
    public IObservable<Marker> Markers => _markers;

    /// <summary>Holes caused by the producer going away and coming back.</summary>
    public IObservable<Gap> Gaps => _gaps;

    /// <summary>Starts reading on a background thread (idempotent).</summary>
    public void Start()
    {
        if (_thread is not null) return;
        _thread = new Thread(Run) { IsBackground = true, Name = "LSL source " + Info.Name };
        _thread.Start();
    }

    private void Run()
    {
        try
        {
            if (Info.ChannelFormat == ChannelFormat.String) ReadMarkers();
            else ReadChunks();
            _chunks.OnCompleted();
            _markers.OnCompleted();
        }
        catch (LslException e)
        {
            var error = new PipelineException(e.Message, e);
            _chunks.OnError(error);
            _markers.OnError(error);
        }
        catch (ObjectDisposedException) { }
    }

    private void ReadChunks()
    {
        var frames = Math.Max(1, _options.ChunkFrames);
        var chunk = new SignalChunk(Description, frames);
        while (!_cts.IsCancellationRequested)
        {
            var n = _inlet.PullChunk(chunk.Data.AsSpan(0, frames * Description.ChannelCount), chunk.Timestamps.AsSpan(0, frames), 0.1);
            if (n == 0) continue;
            var arrival = Stopwatch.GetTimestamp();
            chunk.Reset(Description, n);
            chunk.ArrivalTicks = arrival;
            ReportGap(chunk.FirstTimestamp);
            _chunks.OnNext(chunk);
        }
    }

    private void ReadMarkers()
    {
        var sample = new string[Info.ChannelCount];
        while (!_cts.IsCancellationRequested)
        {
            var ts = _inlet.PullSample(sample, 0.1);
            if (ts == 0.0) continue;
            ReportGap(ts);
            _markers.OnNext(new Marker(ts, sample[0], 0, Info.Name));
        }
    }

    private void ReportGap(double firstAfter)
    {
        if (_pendingGap is not { } r) return;
        _pendingGap = null;
        var missing = Info.NominalSrate > 0 ? (long)Math.Max(0, Math.Round((firstAfter - r.LastTimestampBefore) * Info.NominalSrate) - 1) : 0;
        _gaps.OnNext(new Gap(Info.Name, r.LastTimestampBefore, firstAfter, missing));
    }

    /// <summary>Stops reading and disconnects.</summary>
    public void Dispose()
    {
        _cts.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(2));
        _inlet.Dispose();
        _chunks.Dispose();
        _markers.Dispose();
        _gaps.Dispose();
        _cts.Dispose();
    }
}
