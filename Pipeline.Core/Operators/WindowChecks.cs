using System.Reactive.Linq;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>Checks on windows before they reach a model.</summary>
public static class WindowChecks
{
    /// <summary>
    /// Passes windows whose values are all finite and leaves out those holding NaN or ±Inf (a model cannot use them;
    /// they come from a broken channel or a damaged file), calling <paramref name="skipped"/> for each one left out.
    /// When a window left out started a stretch of signal, the next window passed on carries
    /// <see cref="Window.StartsSegment"/> instead, so decisions still start afresh after the gap.
    /// </summary>
    public static IObservable<Window> SkipNonFinite(this IObservable<Window> source, Action<Window>? skipped = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Observable.Create<Window>(observer =>
        {
            var carry = false;
            return source.Subscribe(w =>
            {
                if (!AllFinite(w.Data))
                {
                    carry |= w.StartsSegment;
                    skipped?.Invoke(w);
                    return;
                }
                if (carry)
                {
                    w.StartsSegment = true;
                    carry = false;
                }
                observer.OnNext(w);
            }, observer.OnError, observer.OnCompleted);
        });
    }

    /// <summary>True when every value is finite.</summary>
    public static bool AllFinite(ReadOnlySpan<float> data)
    {
        // x - x is 0 for finite x and NaN for NaN or ±Inf, so one sum tells whether any value is not finite.
        var acc = 0f;
        foreach (var v in data) acc += v - v;
        return acc == 0f;
    }
}
