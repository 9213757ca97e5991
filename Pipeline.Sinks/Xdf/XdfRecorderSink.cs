using System.Diagnostics;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Lsl;
using Pipeline.Lsl.Xdf;
using Pipeline.Sinks.Lsl;

namespace Pipeline.Sinks.Xdf;

/// <summary>
/// Records one session into one XDF file as LabRecorder does: the raw signal stream and its markers (fed from the
/// source through <see cref="OnSourceEvent"/>), and the session's predictions and commands (as an
/// <see cref="IPipelineSink"/>), each as its own stream with a header, samples, a clock offset every 5 s, a boundary
/// chunk every 10 s and footers at <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// The session thread only copies into buffers (one short lock per chunk, never per sample, no I/O); a writer thread
/// moves the buffers to the file at least every <see cref="XdfRecorderOptions.FlushInterval"/>, and
/// <see cref="XdfWriter"/> flushes each chunk, so after a crash the file opens and holds everything up to about one
/// flush interval before it. A write error (disk full) stops the recording at once and ends the session at its next
/// event with one sentence naming the file (see <see cref="Error"/>): a session must not go on unrecorded while it
/// reports itself healthy. The file stays readable up to its last whole chunk.
/// </remarks>
public sealed class XdfRecorderSink : IPipelineSink
{
    private const uint RawId = 1, MarkerId = 2, PredictionId = 3, CommandId = 4;

    private readonly XdfWriter _writer;
    private readonly XdfRecorderOptions _options;
    private readonly StreamDescription _raw;
    private readonly Lock _gate = new();
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private XdfStreamBuffer _rawPending, _rawWriting;
    private XdfStreamBuffer _markerPending = new(1, true), _markerWriting = new(1, true);
    private XdfStreamBuffer? _predictionPending, _predictionWriting;
    private XdfStreamBuffer _commandPending = new(1, true), _commandWriting = new(1, true);
    private IReadOnlyList<string>? _predictionNames;
    private bool _predictionHeader;
    private volatile Exception? _error;
    private bool _disposed;

    /// <summary>Creates the file and writes the raw, marker and command stream headers (and the predictions header when its names are known).</summary>
    /// <exception cref="PipelineException">The file cannot be created.</exception>
    public XdfRecorderSink(string path, StreamDescription raw, XdfRecorderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(raw);
        _options = options ?? new XdfRecorderOptions();
        _raw = raw;
        Path = path;
        try
        {
            _writer = new XdfWriter(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineException($"The recording '{path}' cannot be created ({e.GetType().Name}); choose a writable recording path.", e);
        }
        // The raw stream is declared in the format its chunks hold exactly (float32 unless the source hands over exact
        // values), so an int32 or double64 LSL stream is recorded bit for bit, as LabRecorder and 'lsl record' do.
        var rawFormat = _options.RawFormat == ValueFormat.String ? ValueFormat.Float32 : _options.RawFormat;
        _rawPending = new XdfStreamBuffer(raw.ChannelCount, rawFormat);
        _rawWriting = new XdfStreamBuffer(raw.ChannelCount, rawFormat);
        var session = _options.Session;
        _writer.WriteStreamHeader(RawId, raw.ToStreamInfo($"pipeline-{session}-raw", rawFormat));
        _writer.WriteStreamHeader(MarkerId, new StreamInfo($"{raw.Name}-markers", "Markers", 1, LSL.IrregularRate, ChannelFormat.String, $"pipeline-{session}-markers"));
        _writer.WriteStreamHeader(CommandId, new StreamInfo($"{session}-commands", "Markers", 1, LSL.IrregularRate, ChannelFormat.String, $"pipeline-{session}-commands"));
        if (_options.PredictionNames is { Count: > 0 } names) SetPredictionNames(names);
        _thread = new Thread(WriteLoop) { IsBackground = true, Name = "XDF recorder " + session };
        _thread.Start();
    }

    /// <summary>The file being written.</summary>
    public string Path { get; }

    /// <summary>The write error that stopped the recording, or null.</summary>
    public Exception? Error => _error;

    /// <summary>Raw frames written to the file so far.</summary>
    public long RawFramesWritten => Volatile.Read(ref _rawFramesWritten);
    private long _rawFramesWritten;

    /// <summary>
    /// Takes one source event: a chunk of the raw stream (copied: its exact values where it carries them in the recorded
    /// format, else its float32 values) or a marker (gaps show in the timestamps).
    /// </summary>
    public void OnSourceEvent(SourceEvent e)
    {
        ThrowIfFailed();
        if (e.Chunk is { } c)
        {
            if (c.Frames == 0) return;
            lock (_gate) _rawPending.Append(c);
        }
        else if (e.IsMarker)
        {
            lock (_gate) _markerPending.Append(e.Marker.Timestamp, e.Marker.Text);
        }
    }

    /// <inheritdoc />
    public void OnPrediction(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ThrowIfFailed();
        lock (_gate)
        {
            if (_predictionPending is null) SetPredictionNames(prediction.ValueNames);
            if (prediction.Values.Length != _predictionPending!.Channels) return;
            _predictionPending.Append([prediction.EndTime], prediction.Values);
        }
    }

    /// <inheritdoc />
    public void OnCommand(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ThrowIfFailed();
        lock (_gate) _commandPending.Append(command.Time, command.Name);
    }

    /// <summary>Markers are recorded from the source (<see cref="OnSourceEvent"/>), so the session's copy is ignored.</summary>
    public void OnMarker(Marker marker) { }

    /// <inheritdoc />
    public void OnGap(Gap gap) { }

    /// <inheritdoc />
    public void OnCompleted(SessionSummary summary) { }

    /// <summary>Throws the recording's write failure as one sentence (on the session's thread, which then ends the session).</summary>
    /// <exception cref="PipelineException">The recording stopped on a write error.</exception>
    public void ThrowIfFailed()
    {
        if (_error is { } e) throw new PipelineException(FailureMessage(e), e);
    }

    private string FailureMessage(Exception e) =>
        $"The recording '{Path}' could not be written ({e.Message.Replace($" : '{Path}'", "", StringComparison.Ordinal).TrimEnd('.')}); " +
        "it is readable up to the failure; free some space or choose another recording path.";

    private void SetPredictionNames(IReadOnlyList<string> names)
    {
        _predictionNames = names.ToArray();
        _predictionPending = new XdfStreamBuffer(names.Count, false);
        _predictionWriting = new XdfStreamBuffer(names.Count, false);
    }

    private void WriteLoop()
    {
        var clock = Stopwatch.StartNew();
        var nextOffset = TimeSpan.Zero;
        var nextBoundary = _options.BoundaryInterval;
        while (true)
        {
            var stopping = _stop.Wait(_options.FlushInterval);
            if (_error is null)
            {
                try
                {
                    if (clock.Elapsed >= nextOffset)
                    {
                        WriteOffsets();
                        nextOffset = clock.Elapsed + _options.ClockOffsetInterval;
                    }
                    WritePending();
                    if (clock.Elapsed >= nextBoundary)
                    {
                        _writer.WriteBoundary();
                        nextBoundary = clock.Elapsed + _options.BoundaryInterval;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
                {
                    _error = e;
                }
            }
            if (stopping) return;
        }
    }

    private void WriteOffsets()
    {
        var now = LslClock.LocalClock();
        var rawOffset = _options.RawClockOffset?.Invoke() ?? 0;
        _writer.WriteClockOffset(RawId, now - rawOffset, rawOffset);
        _writer.WriteClockOffset(MarkerId, now - rawOffset, rawOffset);
        // Predictions and commands carry the raw stream's timestamps, so they share its offset.
        if (_predictionHeader) _writer.WriteClockOffset(PredictionId, now - rawOffset, rawOffset);
        _writer.WriteClockOffset(CommandId, now - rawOffset, rawOffset);
    }

    private void WritePending()
    {
        IReadOnlyList<string>? newHeader = null;
        lock (_gate)
        {
            (_rawPending, _rawWriting) = (_rawWriting, _rawPending);
            (_markerPending, _markerWriting) = (_markerWriting, _markerPending);
            (_commandPending, _commandWriting) = (_commandWriting, _commandPending);
            if (_predictionPending is not null) (_predictionPending, _predictionWriting) = (_predictionWriting, _predictionPending);
            if (!_predictionHeader && _predictionNames is not null) newHeader = _predictionNames;
        }
        if (newHeader is not null)
        {
            var info = new StreamInfo($"{_options.Session}-predictions", "Predictions", newHeader.Count, LSL.IrregularRate, ChannelFormat.Float32, $"pipeline-{_options.Session}-predictions");
            info.SetChannels(newHeader.Select(n => new ChannelDescription(n, "probability")));
            _writer.WriteStreamHeader(PredictionId, info);
            _predictionHeader = true;
        }
        // Markers first: a marker is emitted with (or just before) the chunk that holds its time.
        if (_markerWriting.Count > 0) _markerWriting.WriteTo(_writer, MarkerId);
        if (_rawWriting.Count > 0)
        {
            _rawWriting.WriteTo(_writer, RawId);
            Volatile.Write(ref _rawFramesWritten, _rawFramesWritten + _rawWriting.Count);
        }
        if (_predictionWriting is { Count: > 0 } p) p.WriteTo(_writer, PredictionId);
        if (_commandWriting.Count > 0) _commandWriting.WriteTo(_writer, CommandId);
        _markerWriting.Clear();
        _rawWriting.Clear();
        _predictionWriting?.Clear();
        _commandWriting.Clear();
    }

    /// <summary>Writes what is buffered, the footers of every stream, and closes the file.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Set();
        _thread.Join();
        try
        {
            if (_error is null)
            {
                // Anything that arrived after the thread's last pass.
                WritePending();
                _writer.WriteStreamFooter(RawId);
                _writer.WriteStreamFooter(MarkerId);
                if (_predictionHeader) _writer.WriteStreamFooter(PredictionId);
                _writer.WriteStreamFooter(CommandId);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _error = e;
        }
        finally
        {
            try { _writer.Dispose(); }
            catch (IOException e) { _error ??= e; } // the handle is closed all the same
            _stop.Dispose();
        }
    }
}
