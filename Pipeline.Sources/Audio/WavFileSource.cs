using System.Diagnostics;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using NAudio.Wave;
using NAudio.Wave.SampleProviders;
using Pipeline.Core.Audio;
using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sources.Audio;

/// <summary>
/// A WAV file as a speech source: read through NAudio (PCM 8/16/24/32-bit or IEEE float, any rate, any channel
/// count), mixed down to mono and resampled to 16 kHz, then played out as 10-20 ms chunks either as fast as
/// possible or paced in real time with timestamps on the LSL clock.
/// </summary>
public sealed class WavFileSource
{
    private WavFileSource(string path, float[] samples, int originalRate, int originalChannels)
    {
        Path = path;
        Samples = samples;
        OriginalRate = originalRate;
        OriginalChannels = originalChannels;
        Description = SpeechAudio.Describe(System.IO.Path.GetFileNameWithoutExtension(path), "wav:" + System.IO.Path.GetFullPath(path));
    }

    /// <summary>The file that was read.</summary>
    public string Path { get; }
    /// <summary>The whole file as 16 kHz mono float samples.</summary>
    public float[] Samples { get; }
    /// <summary>The file's own sampling rate in Hz.</summary>
    public int OriginalRate { get; }
    /// <summary>The file's own channel count.</summary>
    public int OriginalChannels { get; }
    /// <summary>The stream as the pipeline describes it (16 kHz, one channel).</summary>
    public StreamDescription Description { get; }
    /// <summary>Duration in seconds.</summary>
    public double Seconds => Samples.Length / (double)SpeechAudio.Rate;

    /// <summary>Reads, mixes down and resamples a WAV file.</summary>
    /// <exception cref="PipelineException">The file is missing, not a WAV file, damaged or empty.</exception>
    public static WavFileSource Open(string path)
    {
        // The header is checked first, so that no buffer below is sized from a rate, channel count or length it lies about.
        var header = WavHeader.Read(path);
        try
        {
            using var reader = new WaveFileReader(path);
            var format = reader.WaveFormat;
            if (format.SampleRate != header.SampleRate || format.Channels != header.Channels)
                throw new PipelineException($"WAV file '{path}' declares {format.SampleRate} Hz and {format.Channels} channels; re-export it as PCM or float WAV.");
            ISampleProvider provider = reader.ToSampleProvider();
            if (format.Channels > 1) provider = new ChannelAverager(provider);
            if (format.SampleRate != SpeechAudio.Rate) provider = new WdlResamplingSampleProvider(provider, SpeechAudio.Rate);
            var samples = ReadAll(provider, (long)((double)header.Frames * SpeechAudio.Rate / format.SampleRate) + 1024);
            if (samples.Length == 0) throw new PipelineException($"WAV file '{path}' holds no samples; record or export it again.");
            return new WavFileSource(path, samples, format.SampleRate, format.Channels);
        }
        catch (PipelineException) { throw; }
        catch (Exception e) when (e is FormatException or InvalidDataException or EndOfStreamException or ArgumentException
                                      or InvalidOperationException or IndexOutOfRangeException or OverflowException or NotSupportedException)
        {
            throw new PipelineException($"WAV file '{path}' is damaged or not a PCM/float WAV file ({e.Message.TrimEnd('.')}); re-export it as 16-bit PCM WAV.", e);
        }
    }

    /// <summary>
    /// The file as chunks of <paramref name="chunkSamples"/> samples (the last one may be shorter). Frame timestamps
    /// start at <paramref name="startTime"/> seconds (NaN: the LSL clock when the subscription starts). With
    /// <paramref name="paced"/> the chunks are emitted in real time on a background thread, as a microphone would
    /// deliver them; otherwise they are emitted synchronously, as fast as possible. The chunk is reused between calls.
    /// </summary>
    public IObservable<SignalChunk> Chunks(int chunkSamples = SpeechAudio.ChunkSamples, bool paced = false, double startTime = double.NaN)
    {
        SpeechAudio.CheckChunkSamples(chunkSamples);
        return Observable.Create<SignalChunk>(observer =>
        {
            var cts = new CancellationTokenSource();
            void Pump()
            {
                var chunk = new SignalChunk(Description, chunkSamples);
                var t0 = double.IsNaN(startTime) ? LslClock.LocalClock() : startTime;
                var wall0 = Stopwatch.GetTimestamp();
                try
                {
                    for (var offset = 0; offset < Samples.Length && !cts.IsCancellationRequested; offset += chunkSamples)
                    {
                        var n = Math.Min(chunkSamples, Samples.Length - offset);
                        if (paced)
                        {
                            // A microphone delivers a chunk once its last sample has been captured.
                            var due = wall0 + (long)((offset + n) / (double)SpeechAudio.Rate * Stopwatch.Frequency);
                            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                            if (wait > TimeSpan.Zero && cts.Token.WaitHandle.WaitOne(wait)) break;
                        }
                        chunk.Reset(Description, n);
                        Samples.AsSpan(offset, n).CopyTo(chunk.Samples);
                        var ts = chunk.TimestampSpan;
                        for (var i = 0; i < n; i++) ts[i] = t0 + (offset + i) / (double)SpeechAudio.Rate;
                        chunk.ArrivalTicks = Stopwatch.GetTimestamp();
                        observer.OnNext(chunk);
                    }
                    if (!cts.IsCancellationRequested) observer.OnCompleted();
                }
                catch (Exception e) { observer.OnError(e); }
            }
            if (paced)
            {
                var thread = new Thread(Pump) { IsBackground = true, Name = "wav-source" };
                thread.Start();
            }
            else Pump();
            return Disposable.Create(cts.Cancel);
        });
    }

    private static float[] ReadAll(ISampleProvider provider, long expected)
    {
        // `expected` comes from the frames the file really holds (not the header's claim), so it bounds the memory.
        var result = new List<float>((int)Math.Clamp(expected, 0, int.MaxValue / 2));
        var buffer = new float[8192];
        int read;
        while ((read = provider.Read(buffer.AsSpan())) > 0)
            result.AddRange(buffer.AsSpan(0, read));
        return result.ToArray();
    }

    // NAudio's StereoToMono handles only two channels; averaging covers any count.
    private sealed class ChannelAverager(ISampleProvider source) : ISampleProvider
    {
        private readonly int _channels = source.WaveFormat.Channels;
        private float[] _buffer = [];

        public WaveFormat WaveFormat { get; } = WaveFormat.CreateIeeeFloatWaveFormat(source.WaveFormat.SampleRate, 1);

        public int Read(Span<float> buffer)
        {
            var need = buffer.Length * _channels;
            if (_buffer.Length < need) _buffer = new float[need];
            var read = source.Read(_buffer.AsSpan(0, need));
            var frames = read / _channels;
            for (var f = 0; f < frames; f++)
            {
                var sum = 0f;
                for (var c = 0; c < _channels; c++) sum += _buffer[f * _channels + c];
                buffer[f] = sum / _channels;
            }
            return frames;
        }
    }
}
