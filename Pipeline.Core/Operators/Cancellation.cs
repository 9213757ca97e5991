using System.Reactive;
using System.Reactive.Linq;

namespace Pipeline.Core.Operators;

/// <summary>Ending a stream from the outside.</summary>
public static class Cancellation
{
    /// <summary>
    /// Passes items on until <paramref name="cancel"/> fires, then completes (and stops the source), so whatever
    /// follows ends as if the source had ended: a session still hands its summary to its sinks.
    /// </summary>
    public static IObservable<T> TakeUntilCancelled<T>(this IObservable<T> source, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!cancel.CanBeCanceled) return source;
        return source.TakeUntil(Observable.Create<Unit>(o => cancel.Register(() => o.OnNext(Unit.Default))));
    }
}
