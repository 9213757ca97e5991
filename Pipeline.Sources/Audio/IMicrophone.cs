using Pipeline.Core.Signals;

namespace Pipeline.Sources.Audio;

/// <summary>
/// A live 16 kHz mono capture stream as a source: subscribing starts reading (on a background thread), disposing the
/// subscription stops it. Chunks carry timestamps on the LSL clock; a block of audio the capture lost (the timestamps
/// had to be re-anchored) comes as a gap event before the next chunk. Each chunk is reused after <c>OnNext</c>. A
/// failure of the device ends the stream with a <see cref="PipelineException"/>. One subscription at a time.
/// </summary>
public interface IMicrophone : IObservable<SourceEvent>, IDisposable
{
    /// <summary>The stream as the pipeline describes it.</summary>
    StreamDescription Description { get; }
    /// <summary>The device that is being read.</summary>
    string DeviceName { get; }
}
