using Pipeline.Core.Signals;

namespace Pipeline.Sources.Audio;

/// <summary>
/// A live 16 kHz mono capture stream. <see cref="Start"/> begins reading on a background thread; each chunk handed
/// to <c>OnNext</c> is reused afterwards. A failure of the device ends <see cref="Chunks"/> with a
/// <see cref="PipelineException"/>.
/// </summary>
public interface IMicrophone : IDisposable
{
    /// <summary>The stream as the pipeline describes it.</summary>
    StreamDescription Description { get; }
    /// <summary>The device that is being read.</summary>
    string DeviceName { get; }
    /// <summary>Captured chunks, timestamps on the LSL clock.</summary>
    IObservable<SignalChunk> Chunks { get; }
    /// <summary>Starts reading (idempotent).</summary>
    void Start();
}
