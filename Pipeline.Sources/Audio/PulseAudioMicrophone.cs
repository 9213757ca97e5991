using System.Diagnostics;
using System.Reactive.Disposables;
using System.Runtime.InteropServices;
using Pipeline.Core.Audio;
using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sources.Audio;

/// <summary>
/// Microphone capture on Linux through PulseAudio's simple API (<c>libpulse-simple.so.0</c>, also served by
/// PipeWire): 16 kHz mono float32, one blocking read per chunk on a background thread that runs while the source is
/// subscribed. Frame timestamps run on the LSL clock from the first read and are re-anchored (reported as a gap) when
/// they drift more than 50 ms from the clock.
/// </summary>
public sealed class PulseAudioMicrophone : IMicrophone
{
    private const double MaxDriftSeconds = 0.05;
    private readonly IntPtr _handle;
    private readonly int _chunkSamples;
    private readonly Lock _gate = new();
    private volatile bool _stop;
    private Thread? _thread;
    private int _disposed;

    private PulseAudioMicrophone(IntPtr handle, MicrophoneOptions options)
    {
        _handle = handle;
        _chunkSamples = options.ChunkSamples;
        DeviceName = options.Device ?? "default";
        Description = SpeechAudio.Describe(options.StreamName, "pulse:" + DeviceName);
    }

    /// <inheritdoc />
    public StreamDescription Description { get; }
    /// <inheritdoc />
    public string DeviceName { get; }

    /// <summary>Opens a record stream on the device (the default source when <see cref="MicrophoneOptions.Device"/> is null).</summary>
    /// <exception cref="PipelineException">The library is missing, no server runs, or the device does not exist.</exception>
    public static PulseAudioMicrophone Open(MicrophoneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        SpeechAudio.CheckChunkSamples(options.ChunkSamples);
        var spec = new PulseAudioNative.SampleSpec { Format = PulseAudioNative.SampleFloat32Le, Rate = SpeechAudio.Rate, Channels = 1 };
        // A fragment of one chunk keeps the server from batching reads (the default is ~2 s for record streams).
        var attr = new PulseAudioNative.BufferAttr
        {
            MaxLength = uint.MaxValue, TLength = uint.MaxValue, PreBuf = uint.MaxValue, MinReq = uint.MaxValue,
            FragSize = (uint)(options.ChunkSamples * sizeof(float)),
        };
        IntPtr handle;
        int error;
        try
        {
            handle = PulseAudioNative.pa_simple_new(options.Server, "pipeline", PulseAudioNative.StreamRecord, options.Device,
                options.StreamName, ref spec, IntPtr.Zero, ref attr, out error);
        }
        catch (DllNotFoundException)
        {
            throw new PipelineException("The PulseAudio client library libpulse-simple.so.0 is not installed; install libpulse0 (or PipeWire's pipewire-pulse), or use --file.");
        }
        if (handle == IntPtr.Zero)
        {
            var text = PulseAudioNative.ErrorText(error);
            if (options.Device is not null && error == 5) // PA_ERR_NOENTITY
                throw new PipelineException($"Audio device '{options.Device}' does not exist ({text}); pick one from 'pipeline audio devices'.");
            throw new PipelineException($"No PulseAudio/PipeWire server is running (libpulse-simple.so.0 could not connect: {text}); start one (pulseaudio --start, or PipeWire with pipewire-pulse), or use --file.");
        }
        return new PulseAudioMicrophone(handle, options);
    }

    /// <summary>The capture devices (sources) of the running server, monitors of sinks included.</summary>
    /// <exception cref="PipelineException">The library is missing or no server runs.</exception>
    public static IReadOnlyList<AudioDevice> ListDevices(string? server = null, double timeoutSeconds = 3)
    {
        IntPtr loop = IntPtr.Zero, context = IntPtr.Zero;
        try
        {
            loop = PulseAudioNative.pa_mainloop_new();
            context = PulseAudioNative.pa_context_new(PulseAudioNative.pa_mainloop_get_api(loop), "pipeline");
            var deadline = Stopwatch.GetTimestamp() + (long)(timeoutSeconds * Stopwatch.Frequency);
            if (PulseAudioNative.pa_context_connect(context, server, PulseAudioNative.ContextNoAutospawn, IntPtr.Zero) < 0)
                throw NoServer(PulseAudioNative.ErrorText(PulseAudioNative.pa_context_errno(context)));
            while (true)
            {
                var state = PulseAudioNative.pa_context_get_state(context);
                if (state == PulseAudioNative.ContextReady) break;
                if (state is PulseAudioNative.ContextFailed or PulseAudioNative.ContextTerminated)
                    throw NoServer(PulseAudioNative.ErrorText(PulseAudioNative.pa_context_errno(context)));
                if (Stopwatch.GetTimestamp() > deadline) throw NoServer("timed out");
                Iterate(loop);
            }

            string? defaultSource = null;
            PulseAudioNative.ServerInfoCallback onServer = (_, info, _) =>
            {
                // pa_server_info: four char* fields, a 12-byte pa_sample_spec, then default_sink_name and default_source_name.
                if (info != IntPtr.Zero) defaultSource = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(info, 4 * IntPtr.Size + 16 + IntPtr.Size));
            };
            Wait(loop, PulseAudioNative.pa_context_get_server_info(context, onServer, IntPtr.Zero), deadline);
            GC.KeepAlive(onServer);

            var found = new List<(string Name, string Description)>();
            PulseAudioNative.SourceInfoCallback onSource = (_, info, eol, _) =>
            {
                // pa_source_info starts with: const char *name; uint32_t index; const char *description.
                if (eol != 0 || info == IntPtr.Zero) return;
                var name = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(info, 0)) ?? "";
                var description = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(info, 2 * IntPtr.Size)) ?? "";
                found.Add((name, description));
            };
            Wait(loop, PulseAudioNative.pa_context_get_source_info_list(context, onSource, IntPtr.Zero), deadline);
            GC.KeepAlive(onSource);
            return found.Select(s => new AudioDevice(s.Name, s.Description, s.Name == defaultSource, s.Name.EndsWith(".monitor", StringComparison.Ordinal))).ToArray();
        }
        catch (DllNotFoundException)
        {
            throw new PipelineException("The PulseAudio client library libpulse.so.0 is not installed; install libpulse0 (or PipeWire's pipewire-pulse).");
        }
        finally
        {
            if (context != IntPtr.Zero)
            {
                PulseAudioNative.pa_context_disconnect(context);
                PulseAudioNative.pa_context_unref(context);
            }
            if (loop != IntPtr.Zero) PulseAudioNative.pa_mainloop_free(loop);
        }
    }

    /// <summary>Starts capturing for <paramref name="observer"/>; disposing the result stops it.</summary>
    /// <exception cref="InvalidOperationException">The microphone is already being read.</exception>
    public IDisposable Subscribe(IObserver<SourceEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_thread is { IsAlive: true }) throw new InvalidOperationException($"The microphone '{DeviceName}' is read by one subscriber at a time; share it with Publish().");
            _stop = false;
            var thread = new Thread(() => ReadLoop(observer)) { IsBackground = true, Name = "pulse-capture", Priority = ThreadPriority.AboveNormal };
            _thread = thread;
            thread.Start();
            return Disposable.Create(() => StopReading(thread));
        }
    }

    private void StopReading(Thread thread)
    {
        _stop = true;
        if (thread != Thread.CurrentThread) thread.Join(TimeSpan.FromSeconds(2));
    }

    private void ReadLoop(IObserver<SourceEvent> observer)
    {
        var buffer = new float[_chunkSamples];
        var chunk = new SignalChunk(Description, _chunkSamples);
        var period = 1.0 / SpeechAudio.Rate;
        var next = double.NaN; // timestamp of the next frame to arrive
        try
        {
            while (!_stop)
            {
                if (PulseAudioNative.pa_simple_read(_handle, buffer, (nuint)(buffer.Length * sizeof(float)), out var error) < 0)
                    throw new PipelineException($"Reading audio device '{DeviceName}' failed ({PulseAudioNative.ErrorText(error)}); check that the sound server is still running.");
                var now = LslClock.LocalClock();
                var arrival = Stopwatch.GetTimestamp();
                var first = now - (_chunkSamples - 1) * period;
                // Timestamps count samples from the first read; a clock jump or lost block re-anchors them.
                if (double.IsNaN(next)) next = first;
                else if (Math.Abs(next - first) > MaxDriftSeconds)
                {
                    var before = next - period;
                    var missing = first > before ? Math.Max(0, (long)Math.Round((first - before) * SpeechAudio.Rate) - 1) : 0;
                    observer.OnNext(SourceEvent.FromGap(new Gap(Description.Name, before, first, missing)));
                    next = first;
                }
                chunk.Reset(Description, _chunkSamples);
                buffer.CopyTo(chunk.Samples);
                var ts = chunk.TimestampSpan;
                for (var i = 0; i < ts.Length; i++) ts[i] = next + i * period;
                next += _chunkSamples * period;
                chunk.ArrivalTicks = arrival;
                if (!_stop) observer.OnNext(SourceEvent.FromChunk(chunk));
            }
        }
        catch (Exception e)
        {
            if (!_stop) observer.OnError(e);
        }
    }

    /// <summary>Stops reading, then frees the stream (never while the reader is inside a read).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop = true;
        if (_thread is not null && _thread != Thread.CurrentThread && !_thread.Join(TimeSpan.FromSeconds(2)))
            return; // a read that never returns: leaking the stream is safer than freeing it under the reader
        PulseAudioNative.pa_simple_free(_handle);
    }

    private static PipelineException NoServer(string why) =>
        new($"No PulseAudio/PipeWire server is running (libpulse.so.0 could not connect: {why}); start one (pulseaudio --start, or PipeWire with pipewire-pulse), or use --file.");

    private static void Iterate(IntPtr loop)
    {
        // Non-blocking iterations keep the timeout in our hands if the server never answers.
        if (PulseAudioNative.pa_mainloop_iterate(loop, 0, IntPtr.Zero) == 0) Thread.Sleep(2);
    }

    private static void Wait(IntPtr loop, IntPtr operation, long deadline)
    {
        if (operation == IntPtr.Zero) throw NoServer("the server refused the query");
        try
        {
            while (PulseAudioNative.pa_operation_get_state(operation) == PulseAudioNative.OperationRunning)
            {
                if (Stopwatch.GetTimestamp() > deadline) throw NoServer("timed out");
                Iterate(loop);
            }
        }
        finally { PulseAudioNative.pa_operation_unref(operation); }
    }
}
