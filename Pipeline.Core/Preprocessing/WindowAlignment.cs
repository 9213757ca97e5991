using System.Reactive.Linq;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Preprocessing;

/// <summary>
/// Euclidean alignment as an operator over windows: every window X becomes W·X (see <see cref="EuclideanAlignment"/>),
/// written into one reused output window that keeps the input's times, index and session. Allocation-free per window.
/// </summary>
public static class WindowAlignment
{
    /// <summary>Aligns every window with the fixed matrix of <paramref name="alignment"/>.</summary>
    /// <exception cref="PipelineException">(as OnError) A window's channel count differs from the alignment's.</exception>
    public static IObservable<Window> Align(this IObservable<Window> source, EuclideanAlignment alignment)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(alignment);
        return Observable.Create<Window>(observer =>
        {
            Window? output = null;
            return source.Subscribe(w =>
            {
                try
                {
                    if (output is null || !ReferenceEquals(output.Description, w.Description) || output.Samples != w.Samples)
                    {
                        // Rare path: the first window, or a new stream layout.
                        if (w.Channels != alignment.Channels)
                            throw new PipelineException($"The alignment is for {alignment.Channels} channels but the windows of '{w.Description.Name}' have {w.Channels}; select the model's channels first.");
                        output = new Window(w.Description, w.Samples, w.Session);
                    }
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

    /// <summary>The alignment <paramref name="card"/> was trained with; windows pass unchanged when the card has none.</summary>
    public static IObservable<Window> Align(this IObservable<Window> source, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(card);
        return card.Preprocessing.Alignment?.Matrix is { } m
            ? source.Align(new EuclideanAlignment(m.SelectMany(r => r).ToArray(), card.Channels.Count))
            : source;
    }
}
