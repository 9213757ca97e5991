namespace Pipeline.Host.Bench;

/// <summary>What <c>pipeline lsl bench</c> pushes: channels x rate float32 for a duration, in chunks of a few samples.</summary>
/// <param name="Channels">Channels per sample (channel 0 carries the sample index).</param>
/// <param name="Rate">Samples per second.</param>
/// <param name="Seconds">How long to push.</param>
/// <param name="Chunk">Samples per push; one push every Chunk / Rate seconds.</param>
internal sealed record LslBenchSettings(int Channels, double Rate, double Seconds, int Chunk)
{
    /// <summary>Samples the pusher sends in all: whole chunks covering the duration.</summary>
    public long TotalSamples => TotalChunks * Chunk;

    /// <summary>Chunks the pusher sends in all.</summary>
    public long TotalChunks => (long)Math.Ceiling(Rate * Seconds / Chunk);
}
