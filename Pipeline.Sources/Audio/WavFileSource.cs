using NAudio.Wave;
using NAudio.Wave.SampleProviders;
using Pipeline.Core.Audio;
using Pipeline.Core.Signals;

namespace Pipeline.Sources.Audio;

/// <summary>
/// A WAV file as speech audio: read through NAudio (PCM 8/16/24/32-bit or IEEE float, any rate, any channel
/// count), mixed down to mono and resampled to 16 kHz. It is played out as a source through
/// <see cref="Replay.WavRecording"/> and <see cref="Replay.ReplaySource"/> (paced, faster, as fast as possible, looped).
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
