namespace Pipeline.Lsl;

/// <summary>What an outlet negotiated with one feed client: how to encode, how much to queue, when to flush.</summary>
internal sealed record FeedSession(SampleCodec Codec, int MaxBufferLength, int MaxChunkLength);
