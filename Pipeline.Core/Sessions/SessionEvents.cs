using System.Reactive.Linq;
using Pipeline.Core.Decisions;
using Pipeline.Core.Evaluation;

namespace Pipeline.Core.Sessions;

/// <summary>
/// Operators over a session's whole event stream (predictions, markers, gaps in one order): where a step needs more
/// than the predictions, e.g. scoring against the cues that pass between them, or a command placed right after the
/// prediction that led to it.
/// </summary>
public static class SessionEvents
{
    /// <summary>
    /// Passes every event on; after each prediction event, the command <paramref name="decisions"/> took at that window
    /// (if any) follows as its own event, and the prediction event carries it too.
    /// </summary>
    public static IObservable<SessionEvent> Decide(this IObservable<SessionEvent> source, DecisionMaker decisions)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(decisions);
        return Observable.Create<SessionEvent>(observer => source.Subscribe(e =>
        {
            if (e.Kind != SessionEventKind.Prediction)
            {
                observer.OnNext(e);
                return;
            }
            Command? command;
            try
            {
                command = decisions.Update(e.Prediction!);
            }
            catch (Exception error)
            {
                observer.OnError(error);
                return;
            }
            observer.OnNext(command is null ? e : e.WithCommand(command));
            if (command is not null) observer.OnNext(SessionEvent.FromCommand(command));
        }, observer.OnError, observer.OnCompleted));
    }

    /// <summary>
    /// Scores predictions against the cue markers that pass in the same stream (<see cref="OnlineAccuracy"/>): each
    /// sliding-window prediction inside a cued trial, and each trial's cue-locked epoch prediction
    /// (<see cref="SessionEventKind.Trial"/>), gets its <see cref="Inference.Prediction.Truth"/> before it is passed on.
    /// </summary>
    public static IObservable<SessionEvent> Score(this IObservable<SessionEvent> source, OnlineAccuracy accuracy)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(accuracy);
        return Observable.Create<SessionEvent>(observer => source.Subscribe(e =>
        {
            if (e.Kind == SessionEventKind.Marker) accuracy.OnMarker(e.Marker);
            else if (e.Kind == SessionEventKind.Prediction) accuracy.OnPrediction(e.Prediction!, e.Prediction!.ValueNames);
            else if (e.Kind == SessionEventKind.Trial)
            {
                var p = e.Prediction!;
                var cued = accuracy.OnTrial(p.Cue!, p.CueTime, p.Values);
                p.Truth = cued >= 0 ? p.ValueNames[cued] : null;
            }
            observer.OnNext(e);
        }, observer.OnError, observer.OnCompleted));
    }
}
