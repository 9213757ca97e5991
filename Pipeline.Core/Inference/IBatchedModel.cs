namespace Pipeline.Core.Inference;

/// <summary>
/// A model that runs fixed-size batches on pre-allocated, pre-bound buffers: what a <see cref="BatchingModelRunner"/>
/// needs from it. Implemented by <see cref="ModelRunner"/> (one ONNX model on EEG windows) and by
/// <see cref="Audio.SslKeywordModel"/> (an SSL upstream chained to its interface+head). Not thread-safe: one
/// thread fills slots and runs buckets; more threads each take their own <see cref="CreateWorker"/>.
/// </summary>
public interface IBatchedModel : IDisposable
{
    /// <summary>The model file (for names and messages).</summary>
    string ModelPath { get; }
    /// <summary>The device in use: <c>cpu</c> or <c>cuda</c>.</summary>
    string Device { get; }
    /// <summary>Values in one window, as a slot holds it.</summary>
    int WindowValues { get; }
    /// <summary>Values in one result (class probabilities).</summary>
    int Classes { get; }
    /// <summary>The batch-size buckets, ascending.</summary>
    IReadOnlyList<int> BatchSizes { get; }
    /// <summary>Stopwatch ticks spent in the model by the last <see cref="RunBucket"/>.</summary>
    long LastRunTicks { get; }
    /// <summary>The smallest bucket that holds <paramref name="count"/> windows (the largest if none does).</summary>
    int BucketFor(int count);
    /// <summary>The size of bucket <paramref name="bucket"/>.</summary>
    int BucketSize(int bucket);
    /// <summary>Where window <paramref name="slot"/> of a bucket is written before the run.</summary>
    Span<float> InputSlot(int bucket, int slot);
    /// <summary>The result of window <paramref name="slot"/> after <see cref="RunBucket"/>.</summary>
    ReadOnlySpan<float> Probabilities(int bucket, int slot);
    /// <summary>Runs a bucket on what its slots hold; allocation-free.</summary>
    void RunBucket(int bucket);

    /// <summary>
    /// Another instance over the same loaded model (weights and session shared) with its own pre-allocated, pre-bound
    /// buffers for the buckets up to the one that holds <paramref name="largestBatch"/>, warmed up, for a second
    /// inference thread; the caller disposes it before this one. Null (the default) when the model cannot be shared
    /// that way: then one thread runs it.
    /// </summary>
    IBatchedModel? CreateWorker(int largestBatch) => null;
}
