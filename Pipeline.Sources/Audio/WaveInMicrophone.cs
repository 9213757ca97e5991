using System.Diagnostics;
using System.Reactive.Disposables;
using System.Runtime.Versioning;
using NAudio.Wave;
using Pipeline.Core.Audio;
using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sources.Audio;

/// <summary>
/// Microphone capture on Windows through NAudio's WinMM wave-in (16 kHz, 16-bit mono, converted to float). Buffers
/// are one chunk long; timestamps count samples from the first buffer on the LSL clock. Recording runs while the
/// source is subscribed.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class WaveInMicrophone : IMicrophone
{
    private readonly WaveIn _waveIn;
    private readonly SignalChunk _chunk;
    private readonly Lock _gate = new();
    private double _next = double.NaN;
    private IObserver<SourceEvent>? _observer;

    private WaveInMicrophone(WaveIn waveIn, MicrophoneOptions options, string deviceName)
    {
        _waveIn = waveIn;
        DeviceName = deviceName;
        Description = SpeechAudio.Describe(options.StreamName, "wavein:" + deviceName);
        _chunk = new SignalChunk(Description, options.ChunkSamples);
        _waveIn.DataAvailable += OnData;
        _waveIn.RecordingStopped += (_, e) =>
        {
            if (e.Exception is not null)
                _observer?.OnError(new PipelineException($"Recording from audio device '{DeviceName}' stopped ({e.Exception.Message.TrimEnd('.')}); check the device.", e.Exception));
        };
    }

    /// <inheritdoc />
    public StreamDescription Description { get; }
    /// <inheritdoc />
    public string DeviceName { get; }

    /// <summary>Opens a wave-in device by number (null: device 0, the default).</summary>
    /// <exception cref="PipelineException">No device exists or the name is not a device number.</exception>
    public static WaveInMicrophone Open(MicrophoneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        SpeechAudio.CheckChunkSamples(options.ChunkSamples);
        if (WaveIn.DeviceCount == 0)
            throw new PipelineException("No audio capture device is present; connect a microphone or use --file.");
        var number = 0;
        if (options.Device is not null && (!int.TryParse(options.Device, out number) || number < 0 || number >= WaveIn.DeviceCount))
            throw new PipelineException($"Audio device '{options.Device}' does not exist; pick a number from 'pipeline audio devices'.");
        var waveIn = new WaveIn
        {
            DeviceNumber = number,
            WaveFormat = new WaveFormat(SpeechAudio.Rate, 16, 1),
            BufferMilliseconds = options.ChunkSamples * 1000 / SpeechAudio.Rate,
            NumberOfBuffers = 4,
        };
        return new WaveInMicrophone(waveIn, options, number.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The wave-in devices by number; device 0 is the default.</summary>
    public static IReadOnlyList<AudioDevice> ListDevices() =>
        Enumerable.Range(0, WaveIn.DeviceCount)
            .Select(i => new AudioDevice(i.ToString(System.Globalization.CultureInfo.InvariantCulture), WaveIn.GetCapabilities(i).ProductName, i == 0, false))
            .ToArray();

    /// <summary>Starts recording for <paramref name="observer"/>; disposing the result stops it.</summary>
    /// <exception cref="InvalidOperationException">The microphone is already being read.</exception>
    public IDisposable Subscribe(IObserver<SourceEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            if (_observer is not null) throw new InvalidOperationException($"The microphone '{DeviceName}' is read by one subscriber at a time; share it with Publish().");
            _observer = observer;
            _next = double.NaN;
            _waveIn.StartRecording();
        }
        return Disposable.Create(() =>
        {
            lock (_gate)
            {
                _observer = null;
                _waveIn.StopRecording();
            }
        });
    }

    private void OnData(object? sender, WaveInEventArgs e)
    {
        var frames = e.BytesRecorded / 2;
        if (frames == 0) return;
        var now = LslClock.LocalClock();
        var first = now - (frames - 1) / (double)SpeechAudio.Rate;
        var observer = _observer;
        if (observer is null) return;
        if (double.IsNaN(_next)) _next = first;
        else if (Math.Abs(_next - first) > 0.05)
        {
            var before = _next - 1.0 / SpeechAudio.Rate;
            var missing = first > before ? Math.Max(0, (long)Math.Round((first - before) * SpeechAudio.Rate) - 1) : 0;
            observer.OnNext(SourceEvent.FromGap(new Gap(Description.Name, before, first, missing)));
            _next = first;
        }
        _chunk.Reset(Description, frames);
        var samples = _chunk.Samples;
        var ts = _chunk.TimestampSpan;
        for (var i = 0; i < frames; i++)
        {
            samples[i] = BitConverter.ToInt16(e.Buffer, 2 * i) / 32768f;
            ts[i] = _next + i / (double)SpeechAudio.Rate;
        }
        _next += frames / (double)SpeechAudio.Rate;
        _chunk.ArrivalTicks = Stopwatch.GetTimestamp();
        observer.OnNext(SourceEvent.FromChunk(_chunk));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _waveIn.StopRecording();
        _waveIn.Dispose();
    }
}
