using Pipeline.Core.Signals;

namespace Pipeline.Sources.Lsl;

/// <summary>
/// An LSL signal stream and, optionally, a marker stream with its cues (two outlets, e.g. an amplifier and a stimulus
/// program), as one source: both start reading when it is subscribed, and their events come out one at a time, each
/// stream's in its own order.
/// </summary>
public sealed class LslCuedSource : IObservable<SourceEvent>, IDisposable
{
    private readonly IObservable<SourceEvent> _events;

    private LslCuedSource(LslSource signal, LslSource? cues)
    {
        Signal = signal;
        Cues = cues;
        _events = signal.WithMarkersFrom(cues);
    }

    /// <summary>Resolves and connects to both streams.</summary>
    /// <exception cref="PipelineException">A stream cannot be found, or the signal stream carries text.</exception>
    public static LslCuedSource Open(LslSourceOptions signal, LslSourceOptions? cues = null)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var eeg = LslSource.Open(signal);
        LslSource? markers = null;
        try
        {
            if (eeg.IsMarkerStream)
                throw new PipelineException($"The LSL stream '{eeg.Description.Name}' carries text markers, not signals; name the signal (EEG) stream as the source and this one as its markers.");
            if (cues is not null) markers = LslSource.Open(cues);
            return new LslCuedSource(eeg, markers);
        }
        catch
        {
            markers?.Dispose();
            eeg.Dispose();
            throw;
        }
    }

    /// <summary>The signal stream.</summary>
    public LslSource Signal { get; }
    /// <summary>The marker stream, or null.</summary>
    public LslSource? Cues { get; }
    /// <summary>The signal stream's description.</summary>
    public StreamDescription Description => Signal.Description;

    /// <inheritdoc />
    public IDisposable Subscribe(IObserver<SourceEvent> observer) => _events.Subscribe(observer);

    /// <inheritdoc />
    public void Dispose()
    {
        Cues?.Dispose();
        Signal.Dispose();
    }
}
