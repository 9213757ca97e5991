using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Sessions;

/// <summary>
/// A consumer at the end of a session: console, files, LSL, network, your own code. Implement the five methods; the
/// interface makes every sink an observer too, so it subscribes to a session's events
/// (<c>session.Decode(source).Subscribe(sink)</c>), or straight to an operator's predictions or commands
/// (<c>predictions.Subscribe(sink)</c>, <c>commands.Subscribe(sink)</c>).
/// </summary>
/// <remarks>
/// Calls come from one thread at a time and must return quickly; a sink must not keep the <see cref="Prediction"/>
/// it is handed (it is reused; <see cref="Prediction.Clone"/> it). Completion of an observed stream does not close
/// the sink (it may observe several streams): <see cref="IDisposable.Dispose"/> does. Errors of an observed stream
/// are not the sink's to handle: the code that runs the session reports them.
/// </remarks>
public interface IPipelineSink : IDisposable, IObserver<SessionEvent>, IObserver<Prediction>, IObserver<Command>
{
    /// <summary>A window's prediction (or features) is ready.</summary>
    void OnPrediction(Prediction prediction);
    /// <summary>A command was decided.</summary>
    void OnCommand(Command command);
    /// <summary>An event marker of the source passed by (cue, trial start).</summary>
    void OnMarker(Marker marker);
    /// <summary>The source had a gap.</summary>
    void OnGap(Gap gap);
    /// <summary>The session ended; <paramref name="summary"/> holds its totals. Flush here.</summary>
    void OnCompleted(SessionSummary summary);
    /// <summary>
    /// A trial's cue-locked epoch was classified (<see cref="Prediction.Cue"/>, <see cref="Prediction.Truth"/>): an
    /// evaluation result, not a window of the live stream. Ignored unless a sink overrides it.
    /// </summary>
    void OnTrial(Prediction trial) { }

    /// <summary>Hands one session event to the matching method.</summary>
    void IObserver<SessionEvent>.OnNext(SessionEvent value)
    {
        switch (value.Kind)
        {
            case SessionEventKind.Prediction: OnPrediction(value.Prediction!); break;
            case SessionEventKind.Command: OnCommand(value.Command!); break;
            case SessionEventKind.Marker: OnMarker(value.Marker); break;
            case SessionEventKind.Gap: OnGap(value.Gap); break;
            case SessionEventKind.Summary: OnCompleted(value.Summary!); break;
            case SessionEventKind.Trial: OnTrial(value.Prediction!); break;
        }
    }

    /// <summary>Nothing to do: the summary event, not the end of the stream, closes a session's output.</summary>
    void IObserver<SessionEvent>.OnCompleted() { }

    /// <summary>Nothing to do: whoever runs the session reports its failure.</summary>
    void IObserver<SessionEvent>.OnError(Exception error) { }

    /// <summary>Hands a prediction of an operator's stream to <see cref="OnPrediction"/>.</summary>
    void IObserver<Prediction>.OnNext(Prediction value) => OnPrediction(value);

    /// <summary>Nothing to do.</summary>
    void IObserver<Prediction>.OnCompleted() { }

    /// <summary>Nothing to do.</summary>
    void IObserver<Prediction>.OnError(Exception error) { }

    /// <summary>Hands a command of an operator's stream to <see cref="OnCommand"/>.</summary>
    void IObserver<Command>.OnNext(Command value) => OnCommand(value);

    /// <summary>Nothing to do.</summary>
    void IObserver<Command>.OnCompleted() { }

    /// <summary>Nothing to do.</summary>
    void IObserver<Command>.OnError(Exception error) { }
}
