using Pipeline.Core.Signals;

namespace Pipeline.Core.Audio;

/// <summary>
/// The one audio format the speech path works in: 16 kHz, mono, float32 in [-1, 1], delivered in short chunks
/// (10 ms by default) with LSL-clock timestamps, so every audio source and model agrees on it.
/// </summary>
public static class SpeechAudio
{
    /// <summary>The sampling rate of every speech stream and model, in Hz.</summary>
    public const int Rate = 16000;

    /// <summary>Samples in the default 10 ms chunk.</summary>
    public const int ChunkSamples = 160;

    /// <summary>The stream type used for audio in <see cref="StreamDescription.Type"/>.</summary>
    public const string StreamType = "Audio";

    /// <summary>Describes a 16 kHz mono audio stream.</summary>
    public static StreamDescription Describe(string name, string sourceId) =>
        new(name, StreamType, ["mono"], Rate, ValueFormat.Float32, ["normalized"], sourceId);

    /// <summary>Checks that a chunk length lies in the 10-20 ms range the pipeline promises.</summary>
    /// <exception cref="PipelineException">The length is outside 160..320 samples.</exception>
    public static void CheckChunkSamples(int chunkSamples)
    {
        if (chunkSamples < 160 || chunkSamples > 320)
            throw new PipelineException($"An audio chunk of {chunkSamples} samples is outside 10-20 ms at 16 kHz; use 160 to 320 samples.");
    }
}
