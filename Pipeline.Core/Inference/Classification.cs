using System.Numerics.Tensors;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Runtime.ExceptionServices;
using Pipeline.Core.Audio;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Inference;

/// <summary>
/// Windows through a model: <c>IObservable&lt;Window&gt;</c> → <c>IObservable&lt;Prediction&gt;</c> with the class
/// probabilities, the winning class and the window's identity and timing. Either on the thread that delivers the
/// windows (a model of the session's own: <see cref="ModelRunner"/>, <see cref="SslKeywordModel"/>), or through a
/// <see cref="BatchingModelRunner"/> shared with other sessions, whose inference thread then delivers the predictions,
/// in window order. One prediction instance is reused (see <see cref="Snapshots"/>); nothing is allocated per window.
/// </summary>
public static class Classification
{
    /// <summary>
    /// Runs every window through <paramref name="model"/> on the calling thread (bucket 0, slot 0; the window must be
    /// exactly the model's input: channels x samples, channel-major).
    /// </summary>
    /// <exception cref="PipelineException">(as OnError) A window does not fit the model, or the model fails.</exception>
    public static IObservable<Prediction> Classify(this IObservable<Window> source, IBatchedModel model, ClassifyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(model);
        options ??= new ClassifyOptions();
        var classes = ClassesOf(model, options);
        var scale = ScaleOf(model, options);
        return Observable.Create<Prediction>(observer =>
        {
            var prediction = new Prediction("probabilities", classes);
            return source.Subscribe(w =>
            {
                try
                {
                    var input = model.InputSlot(0, 0);
                    if (w.Data.Length != input.Length) throw Misfit(w, model);
                    w.Data.AsSpan().CopyTo(input);
                    if (scale != 1f) TensorPrimitives.Multiply(input, scale, input);
                    model.RunBucket(0);
                    Fill(prediction, model.Probabilities(0, 0));
                    prediction.DescribeWindow(w, options.Session);
                }
                catch (Exception e)
                {
                    observer.OnError(e);
                    return;
                }
                observer.OnNext(prediction);
            }, observer.OnError, observer.OnCompleted);
        });
    }

    /// <summary>
    /// Queues every window at <paramref name="shared"/>, which batches it with other sessions' windows; the predictions
    /// come back on the runner's inference thread, in window order. A live session (<see cref="ClassifyOptions.BlockWhenFull"/>
    /// false) never blocks: a full queue drops its oldest window and counts it (<see cref="ClassifyOptions.Statistics"/>);
    /// a replay waits for room instead. At the end of the windows it waits until every queued window has its prediction.
    /// Window indices must rise (as the windowing operators number them).
    /// </summary>
    /// <exception cref="PipelineException">(as OnError) A window does not fit the model.</exception>
    public static IObservable<Prediction> Classify(this IObservable<Window> source, BatchingModelRunner shared, ClassifyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(shared);
        options ??= new ClassifyOptions();
        var model = shared.Model;
        var classes = ClassesOf(model, options);
        var scale = ScaleOf(model, options);
        return Observable.Create<Prediction>(observer =>
        {
            var prediction = new Prediction("probabilities", classes);
            var input = new float[model.WindowValues];
            string? session = options.Session;
            long segment = 0, deliveredSegment = -1;
            PendingWindow[] pending = [];
            // Called on the inference thread, in window order; dropped windows never come back.
            void OnResult(in WindowTicket ticket, ReadOnlySpan<float> probabilities)
            {
                var info = pending[(int)(ticket.WindowIndex % pending.Length)];
                Fill(prediction, probabilities);
                prediction.Session = session ?? "";
                prediction.WindowIndex = ticket.WindowIndex;
                prediction.StartTime = ticket.StartTime;
                prediction.EndTime = ticket.EndTime;
                prediction.NewestArrivalTicks = ticket.NewestArrivalTicks;
                // A window that started a stretch of signal may have been dropped: the next one delivered starts it instead.
                prediction.StartsSegment = info.Segment != deliveredSegment;
                deliveredSegment = info.Segment;
                prediction.SegmentStart = info.SegmentStart;
                prediction.SegmentEnd = info.SegmentEnd;
                prediction.Cue = info.Cue;
                prediction.CueTime = info.CueTime;
                observer.OnNext(prediction);
            }

            var client = shared.Connect(session ?? "", OnResult, options.BlockWhenFull, options.QueueCapacity);
            options.Statistics?.Attach(client);
            // Outstanding at most: a full queue plus a whole batch in flight, plus the window being queued.
            pending = new PendingWindow[2 * client.Capacity + shared.MaxBatch + 1];
            var subscription = source.Subscribe(w =>
            {
                // A sink that failed on the inference thread closed the client: stop the source with that failure.
                if (client.Failure is { } failure) ExceptionDispatchInfo.Throw(failure);
                try
                {
                    if (w.Data.Length != input.Length) throw Misfit(w, model);
                    session ??= w.Session;
                    if (w.StartsSegment) segment++;
                    w.Data.AsSpan().CopyTo(input);
                    if (scale != 1f) TensorPrimitives.Multiply(input, scale, input);
                    pending[(int)(w.Index % pending.Length)] = new PendingWindow(segment, w.SegmentStart, w.SegmentEnd, w.Label, w.CueTime);
                }
                catch (Exception e)
                {
                    observer.OnError(e);
                    return;
                }
                client.Submit(input, new WindowTicket(w.Index, w.StartTime, w.EndTime, w.NewestArrivalTicks));
            },
            e =>
            {
                client.Dispose();
                observer.OnError(e);
            },
            () =>
            {
                client.WaitIdle(CancellationToken.None);
                if (client.Failure is { } failure) observer.OnError(failure);
                else observer.OnCompleted();
            });
            return new CompositeDisposable(subscription, client);
        });
    }

    // The cue of a trial epoch travels with it, so a trial's prediction is told apart from a sliding window's.
    private readonly record struct PendingWindow(long Segment, double SegmentStart, double SegmentEnd, string? Cue, double CueTime);

    private static IReadOnlyList<string> ClassesOf(IBatchedModel model, ClassifyOptions options)
    {
        var classes = options.ClassNames ?? model switch
        {
            ModelRunner r => r.Card.Classes,
            SslKeywordModel s => s.Classes,
            _ => throw new ArgumentException($"The model '{model.ModelPath}' does not name its classes; give them in ClassifyOptions.ClassNames.", nameof(options)),
        };
        if (classes.Count != model.Classes)
            throw new PipelineException($"{classes.Count} class names were given but the model '{Path.GetFileName(model.ModelPath)}' has {model.Classes} outputs; give one name per output.");
        return classes;
    }

    private static float ScaleOf(IBatchedModel model, ClassifyOptions options) =>
        options.InputScale ?? (model is ModelRunner r ? (float)r.Card.Preprocessing.Scale : 1f);

    private static void Fill(Prediction p, ReadOnlySpan<float> probabilities)
    {
        probabilities.CopyTo(p.Values);
        var best = 0;
        for (var i = 1; i < p.Values.Length; i++) if (p.Values[i] > p.Values[best]) best = i;
        p.Label = p.ValueNames[best];
        p.Confidence = p.Values[best];
        p.Truth = null;
    }

    private static PipelineException Misfit(Window w, IBatchedModel model) =>
        new($"A window of {w.Channels} x {w.Samples} values from '{w.Description.Name}' does not fit the model '{Path.GetFileName(model.ModelPath)}', which takes {model.WindowValues} values; cut windows of the model's length from its channels.");
}
