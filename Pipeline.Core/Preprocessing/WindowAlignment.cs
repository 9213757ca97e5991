using System.Reactive.Linq;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Preprocessing;

/// <summary>
/// Euclidean alignment as an operator over windows, the variant the model card asks for: a fixed matrix
/// (<c>preprocessing.alignment.mode</c> offline: every window X becomes W·X, see <see cref="EuclideanAlignment"/>) or
/// online alignment (mode online: see <see cref="OnlineEuclideanAlignment"/>). Output windows are reused and keep the
/// input's times, index, session and cue. Allocation-free per window.
/// </summary>
public static class WindowAlignment
{
    // Sliding windows whose matrices are kept for the trial epochs cut in the same chunks (a chunk of 40 ms to a few
    // seconds holds at most a few windows at the usual hops of 0.1-0.5 s).
    private const int HistoryWindows = 32;

    /// <summary>Aligns every window with the fixed matrix of <paramref name="alignment"/>.</summary>
    /// <exception cref="PipelineException">(as OnError) A window's channel count differs from the alignment's.</exception>
    public static IObservable<Window> Align(this IObservable<Window> source, EuclideanAlignment alignment)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(alignment);
        return Observable.Create<Window>(observer =>
        {
            var outputs = new OutputWindows();
            return source.Subscribe(w =>
            {
                Window output;
                try
                {
                    output = outputs.For(w, alignment.Channels);
                    alignment.Apply(w.Data, output.Data, w.Samples);
                    output.CopyInfoFrom(w);
                }
                catch (Exception e)
                {
                    observer.OnError(e);
                    return;
                }
                observer.OnNext(output);
            }, observer.OnError, observer.OnCompleted);
        });
    }

    /// <summary>
    /// Online Euclidean alignment: each sliding window (<see cref="Window.Label"/> null) is added to the running
    /// reference first and then aligned with the new R^-1/2; each event-locked epoch (a trial, <see cref="Window.Label"/>
    /// set) is aligned, without being added, with the matrix that was in force after the last sliding window ending at
    /// or before the epoch's end. Windows holding NaN or ±Inf are left out (counted in
    /// <see cref="OnlineEuclideanAlignment.Skipped"/>); windows met while the reference has no usable eigenvalue are
    /// aligned with the last good matrix and counted in <see cref="OnlineEuclideanAlignment.Guarded"/>. The state lives in
    /// <paramref name="alignment"/> (seed it from a calibration recording before subscribing, read its counters after);
    /// subscribe once.
    /// </summary>
    /// <exception cref="PipelineException">(as OnError) A window's channel count differs from the alignment's.</exception>
    public static IObservable<Window> Align(this IObservable<Window> source, OnlineEuclideanAlignment alignment)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(alignment);
        return Observable.Create<Window>(observer =>
        {
            var outputs = new OutputWindows();
            var history = new AlignmentHistory(alignment.Channels, HistoryWindows);
            return source.Subscribe(w =>
            {
                Window output;
                try
                {
                    output = outputs.For(w, alignment.Channels);
                    if (w.Label is null)
                    {
                        if (alignment.Align(w.Data, output.Data, w.Samples) == AlignmentOutcome.Skipped) return;
                        history.Record(w.EndTime, alignment.Matrix);
                    }
                    else
                    {
                        // An epoch whose end precedes every window held (a marker that arrived very late) takes the
                        // oldest matrix held; before any window, the matrix in force (the identity).
                        var matrix = history.TryFind(w.EndTime, out var m) || !m.IsEmpty ? m : alignment.Matrix;
                        if (!alignment.AlignWith(matrix, w.Data, output.Data, w.Samples)) return;
                    }
                    output.CopyInfoFrom(w);
                }
                catch (Exception e)
                {
                    observer.OnError(e);
                    return;
                }
                observer.OnNext(output);
            }, observer.OnError, observer.OnCompleted);
        });
    }

    /// <summary>
    /// The alignment <paramref name="card"/> was trained with: its fixed matrix (mode offline), a fresh online
    /// alignment per subscription from its reference, warm-up and floor (mode online), or none (windows pass unchanged).
    /// </summary>
    public static IObservable<Window> Align(this IObservable<Window> source, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(card);
        return card.Preprocessing.Alignment switch
        {
            { IsOnline: true } => Observable.Defer(() => source.Align(OnlineEuclideanAlignment.FromCard(card))),
            { Matrix: { } m } => source.Align(new EuclideanAlignment(m.SelectMany(r => r).ToArray(), card.Channels.Count)),
            _ => source,
        };
    }

    // One reused output window per input layout (sliding windows and trial epochs may differ in length).
    private sealed class OutputWindows
    {
        private Window? _first;
        private Window? _second;

        public Window For(Window input, int channels)
        {
            if (Fits(_first, input)) return _first!;
            if (Fits(_second, input)) return _second!;
            // Rare path: the first window, or a new stream layout.
            if (input.Channels != channels)
                throw new PipelineException($"The alignment is for {channels} channels but the windows of '{input.Description.Name}' have {input.Channels}; select the model's channels first.");
            var made = new Window(input.Description, input.Samples, input.Session);
            if (_first is null || (_second is not null && input.Label is null)) _first = made;
            else _second = made;
            return made;
        }

        private static bool Fits(Window? output, Window input) =>
            output is not null && ReferenceEquals(output.Description, input.Description) && output.Samples == input.Samples;
    }
}
