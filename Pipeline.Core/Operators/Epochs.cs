using System.Reactive.Linq;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>
/// Event-locked epochs: for each wanted marker, the window that starts at the first sample at or after
/// marker + TMin and holds round((TMax - TMin)·rate) samples, labelled with the marker's text. Markers may
/// arrive before their data (they wait, bounded) or after it (data is kept for
/// <see cref="EpochOptions.HistorySeconds"/>). Epochs that touch a gap, whose data is gone, or that run past
/// the end of the stream are skipped and counted in <see cref="EpochOptions.Statistics"/>.
/// </summary>
public static class Epochs
{
    /// <summary>Epochs of <paramref name="source"/> around <paramref name="markers"/>; the emitted window is reused (clone to keep).</summary>
    public static IObservable<Window> EventLockedEpochs(this IObservable<SignalChunk> source, IObservable<Marker> markers, EpochOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(markers);
        Validate(options);
        return Observable.Create<Window>(observer =>
        {
            var cutter = new EpochCutter(options);
            // Markers and data come from different sources (and threads); one gate serializes them. Both are per
            // chunk or per event, never per sample.
            var gate = new object();
            bool done = false;
            Action<Window> emit = observer.OnNext;
            void Fail(Exception e)
            {
                lock (gate)
                {
                    if (done) return;
                    done = true;
                    observer.OnError(e);
                }
            }
            var markerSubscription = markers.Subscribe(m =>
            {
                lock (gate) { if (!done) cutter.AddMarker(m, emit); }
            }, Fail);
            var dataSubscription = source.Subscribe(chunk =>
            {
                lock (gate)
                {
                    if (done) return;
                    try { cutter.AddChunk(chunk, emit); }
                    catch (PipelineException e) { done = true; observer.OnError(e); }
                }
            }, Fail, () =>
            {
                lock (gate)
                {
                    if (done) return;
                    cutter.Complete(emit);
                    done = true;
                    observer.OnCompleted();
                }
            });
            return new System.Reactive.Disposables.CompositeDisposable(markerSubscription, dataSubscription);
        });
    }

    /// <summary>
    /// Offline: the epochs of a whole recording held in one chunk, as owned copies (in marker order where
    /// markers are sorted). Skipped epochs are counted in <see cref="EpochOptions.Statistics"/>.
    /// </summary>
    public static IReadOnlyList<Window> Extract(SignalChunk recording, IEnumerable<Marker> markers, EpochOptions options)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(markers);
        Validate(options);
        var result = new List<Window>();
        var all = markers.ToList();
        var cutter = new EpochCutter(options with
        {
            HistorySeconds = recording.Frames / Math.Max(1e-9, recording.Description.NominalRate) + 1,
            MaxPendingMarkers = Math.Max(1, all.Count),
        });
        void Keep(Window w) => result.Add(w.Clone());
        foreach (var m in all) cutter.AddMarker(m, Keep);
        cutter.AddChunk(recording, Keep);
        cutter.Complete(Keep);
        return result;
    }

    private static void Validate(EpochOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.TMax > options.TMin)) throw new PipelineException($"The epoch {options.TMin}..{options.TMax} s is empty; make TMax larger than TMin.");
        if (options.MaxPendingMarkers < 1) throw new PipelineException($"MaxPendingMarkers {options.MaxPendingMarkers} is too small; allow at least one waiting marker.");
    }
}
