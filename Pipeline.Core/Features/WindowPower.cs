using System.Reactive.Linq;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Features;

/// <summary>Band power as a prediction stream: what a session emits per window when it has no model.</summary>
public static class WindowPower
{
    /// <summary>
    /// Per-channel log10 mean power of each window (<see cref="SignalPower.LogMeanSquare"/>) as a prediction of kind
    /// <c>bandpower</c> whose values are named after the channels; on band-passed windows it is the band power. One
    /// prediction instance is reused (see <see cref="Snapshots"/>).
    /// </summary>
    /// <param name="source">Windows, channel-major.</param>
    /// <param name="session">The session stamped on the predictions (null: the window's).</param>
    /// <param name="valueNames">Names of the values (null: the windows' channel labels).</param>
    public static IObservable<Prediction> LogPower(this IObservable<Window> source, string? session = null, IReadOnlyList<string>? valueNames = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Observable.Create<Prediction>(observer =>
        {
            Prediction? p = null;
            return source.Subscribe(w =>
            {
                if (p is null || p.Values.Length != w.Channels)
                    p = new Prediction("bandpower", valueNames is { } names && names.Count == w.Channels ? names : w.Description.ChannelLabels);
                SignalPower.LogMeanSquare(w, p.Values); // the window is band-passed: its mean square is the band power
                p.Label = null;
                p.Confidence = 0;
                p.Truth = null;
                p.DescribeWindow(w, session);
                observer.OnNext(p);
            }, observer.OnError, observer.OnCompleted);
        });
    }
}
