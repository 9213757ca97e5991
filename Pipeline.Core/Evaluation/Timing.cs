using System.Reactive.Linq;

namespace Pipeline.Core.Evaluation;

/// <summary>Measuring hooks on a stream, for latencies that run until everything downstream has handled an item.</summary>
internal static class Timing
{
    /// <summary>Passes each item on, then calls <paramref name="after"/> once every observer downstream has handled it.</summary>
    public static IObservable<T> AfterEach<T>(this IObservable<T> source, Action<T, long> after) =>
        Observable.Create<T>(observer => source.Subscribe(item =>
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            observer.OnNext(item);
            after(item, start);
        }, observer.OnError, observer.OnCompleted));
}
