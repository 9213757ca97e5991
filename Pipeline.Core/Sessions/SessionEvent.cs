using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Sessions;

/// <summary>
/// One item of a decoding session's output, in the order the sinks should see it: a prediction (followed by the
/// command it led to, if any), a marker, a gap, and at the end the summary. What every sink consumes
/// (<see cref="IPipelineSink"/> is an <see cref="IObserver{SessionEvent}"/>).
/// </summary>
/// <remarks>
/// The prediction is reused by the session: it is valid only during <c>OnNext</c>
/// (<see cref="Snapshots.Snapshot(IObservable{SessionEvent})"/> copies it). A prediction event also carries the
/// <see cref="Command"/> its window led to (the command then follows as its own event), so a sink that prints one line
/// per window can show both.
/// </remarks>
public readonly struct SessionEvent
{
    private readonly object? _item;

    private SessionEvent(SessionEventKind kind, object? item, Command? command, Marker marker, Gap gap)
    {
        Kind = kind;
        _item = item;
        Command = command;
        Marker = marker;
        Gap = gap;
    }

    /// <summary>A prediction, and the command its window led to (null when none, or not decided yet).</summary>
    public static SessionEvent FromPrediction(Prediction prediction, Command? command = null)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        return new SessionEvent(SessionEventKind.Prediction, prediction, command, default, default);
    }

    /// <summary>The prediction for a trial's cue-locked epoch (<see cref="Inference.Prediction.IsTrial"/>).</summary>
    public static SessionEvent FromTrial(Prediction trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        return new SessionEvent(SessionEventKind.Trial, trial, null, default, default);
    }

    /// <summary>A command.</summary>
    public static SessionEvent FromCommand(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new SessionEvent(SessionEventKind.Command, null, command, default, default);
    }

    /// <summary>A marker passing by.</summary>
    public static SessionEvent FromMarker(Marker marker) => new(SessionEventKind.Marker, null, null, marker, default);

    /// <summary>A gap in the signal.</summary>
    public static SessionEvent FromGap(Gap gap) => new(SessionEventKind.Gap, null, null, default, gap);

    /// <summary>The session's totals.</summary>
    public static SessionEvent FromSummary(SessionSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new SessionEvent(SessionEventKind.Summary, summary, null, default, default);
    }

    /// <summary>What the event carries.</summary>
    public SessionEventKind Kind { get; }
    /// <summary>The prediction of a <see cref="SessionEventKind.Prediction"/> or <see cref="SessionEventKind.Trial"/> event (reused: valid during <c>OnNext</c>), else null.</summary>
    public Prediction? Prediction => _item as Prediction;
    /// <summary>The command of a <see cref="SessionEventKind.Command"/> event; on a prediction event, the command its window led to; else null.</summary>
    public Command? Command { get; }
    /// <summary>The marker of a <see cref="SessionEventKind.Marker"/> event.</summary>
    public Marker Marker { get; }
    /// <summary>The gap of a <see cref="SessionEventKind.Gap"/> event.</summary>
    public Gap Gap { get; }
    /// <summary>The totals of a <see cref="SessionEventKind.Summary"/> event, else null.</summary>
    public SessionSummary? Summary => _item as SessionSummary;

    /// <summary>The same prediction event with the command its window led to.</summary>
    public SessionEvent WithCommand(Command? command) => new(Kind, _item, command, Marker, Gap);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        SessionEventKind.Prediction => $"prediction {Prediction!.WindowIndex} {Prediction.Label}",
        SessionEventKind.Trial => $"trial '{Prediction!.Cue}' @ {Prediction.CueTime:F4} {Prediction.Label}",
        SessionEventKind.Command => $"command {Command!.Name} (window {Command.WindowIndex})",
        SessionEventKind.Marker => $"marker '{Marker.Text}' @ {Marker.Timestamp:F4}",
        SessionEventKind.Gap => $"gap in '{Gap.Stream}' {Gap.LastBefore:F4}..{Gap.FirstAfter:F4}",
        SessionEventKind.Summary => $"summary of '{Summary!.Session}'",
        _ => "none",
    };
}
