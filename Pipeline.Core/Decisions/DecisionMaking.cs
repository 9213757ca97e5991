using System.Reactive.Linq;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Decisions;

/// <summary>
/// Predictions → commands: the <see cref="DecisionMaker"/> (smoothing, threshold, refractory period, rest class) as an
/// operator. Its history starts again at a prediction that starts a new stretch of signal (after a gap).
/// </summary>
public static class DecisionMaking
{
    /// <summary>Commands for predictions whose probabilities are in the order of <paramref name="classes"/>.</summary>
    /// <exception cref="PipelineException">The options cannot work (checked here, before anything runs).</exception>
    public static IObservable<Command> Decide(this IObservable<Prediction> source, IReadOnlyList<string> classes, DecisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(options);
        _ = new DecisionMaker(classes, options); // the options are checked now, not at the first window
        return source.DecideWith(() => new DecisionMaker(classes, options), null);
    }

    /// <summary>Commands for predictions of the model <paramref name="card"/> describes, named as the card names them unless <paramref name="options"/> renames them.</summary>
    public static IObservable<Command> Decide(this IObservable<Prediction> source, ModelCard card, DecisionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(card);
        return source.Decide(card.Classes, ForModel(card, options ?? new DecisionOptions()));
    }

    /// <summary>Commands for predictions whose class names come with them (<see cref="Prediction.ValueNames"/> of the first one).</summary>
    public static IObservable<Command> Decide(this IObservable<Prediction> source, DecisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return source.DecideWith(null, options);
    }

    /// <summary>
    /// The options with the model card's command names (class → command) added under the ones they set themselves.
    /// </summary>
    public static DecisionOptions ForModel(ModelCard card, DecisionOptions options)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(options);
        var names = new Dictionary<string, string>(card.Commands);
        foreach (var (k, v) in options.CommandNames) names[k] = v;
        return options with { CommandNames = names };
    }

    private static IObservable<Command> DecideWith(this IObservable<Prediction> source, Func<DecisionMaker>? create, DecisionOptions? lazyOptions) =>
        Observable.Create<Command>(observer =>
        {
            var decisions = create?.Invoke();
            return source.Subscribe(p =>
            {
                Command? command;
                try
                {
                    decisions ??= new DecisionMaker(p.ValueNames, lazyOptions!);
                    command = decisions.Update(p);
                }
                catch (Exception e)
                {
                    observer.OnError(e);
                    return;
                }
                if (command is not null) observer.OnNext(command);
            }, observer.OnError, observer.OnCompleted);
        });
}
