using Pipeline.Core.Audio;
using Pipeline.Core.Signals;
using Pipeline.Sources.Audio;

namespace Pipeline.Sources.Replay;

/// <summary>
/// A WAV file as a <see cref="Recording"/>: one audio stream, mixed down to mono and resampled to 16 kHz
/// (<see cref="WavFileSource"/>), timestamps in seconds from the start of the file, no markers. So a WAV file replays
/// (paced, N times faster, as fast as possible, looped) through <see cref="ReplaySource"/> like any recording.
/// </summary>
public sealed class WavRecording : Recording
{
    /// <summary>The decoded audio.</summary>
    public required WavFileSource Audio { get; init; }

    /// <summary>Reads the file (all of it: speech files are small).</summary>
    /// <exception cref="PipelineException">The file is missing, not a WAV file, damaged or empty.</exception>
    public static new WavRecording Open(string path)
    {
        var audio = WavFileSource.Open(path);
        var n = audio.Samples.Length;
        return new WavRecording
        {
            Path = path,
            Format = "WAV",
            Audio = audio,
            Streams = [new RecordedStream(0, audio.Description, n, 0, (n - 1) / (double)SpeechAudio.Rate)],
            Markers = [],
            Warnings = [],
        };
    }

    /// <inheritdoc />
    public override IEnumerable<SignalChunk> ReadChunks(int streamIndex, int chunkFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(streamIndex, 0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkFrames);
        var samples = Audio.Samples;
        var chunk = new SignalChunk(Audio.Description, chunkFrames);
        for (var offset = 0; offset < samples.Length; offset += chunkFrames)
        {
            var n = Math.Min(chunkFrames, samples.Length - offset);
            chunk.Reset(Audio.Description, n);
            samples.AsSpan(offset, n).CopyTo(chunk.Samples);
            var ts = chunk.TimestampSpan;
            for (var i = 0; i < n; i++) ts[i] = (offset + i) / (double)SpeechAudio.Rate;
            yield return chunk;
        }
    }
}
