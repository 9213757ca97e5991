using System.Diagnostics;
using System.Reactive.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Inference;
using Pipeline.Core.Preprocessing;
using Pipeline.Core.Signals;
using Pipeline.Core.Operators;
using Pipeline.Core.Sessions;
using Pipeline.Sources.Replay;

namespace Pipeline.Host.Bench;

/// <summary>One measure of <c>bench inference</c>; <see cref="BytesPerWindow"/> is NaN where not counted.</summary>
internal sealed record InferenceBenchRow(string Measure, double P50Ms, double P99Ms, double MaxMs, long Count, double BytesPerWindow);

/// <summary>What <c>bench inference</c> measured.</summary>
internal sealed record InferenceBenchResult(string Model, string Recording, string Device, int Threads, int Repeat, int DistinctWindows,
    IReadOnlyList<InferenceBenchRow> Rows, double Batch32OverheadPercent, double Batch32ModelMs, long Batch32Batches);

/// <summary>
/// The cost of decoding one window at batch 1, side by side. (1) The whole session, replaying a recording as fast as
/// possible: the model's run, the session's own added time, and newest sample → sinks. (2) Our pre-bound IoBinding
/// runner against ONNX Runtime's allocating <c>Run</c> under the same conditions: the same session options, the same
/// windows (those the session fed the model), one thread, calls interleaved in alternating order so load and cache
/// state fall on both alike. (3) The batching's own overhead at batch 32.
/// </summary>
internal static class InferenceBench
{
    public static InferenceBenchResult Run(string modelPath, string recordingPath, int repeat, ExecutionDevice device, int threads, Action<string>? progress = null)
    {
        var runnerOptions = new ModelRunnerOptions { Device = device, IntraOpThreads = threads };
        var model = new LatencyRecorder(1 << 20);
        var added = new LatencyRecorder(1 << 20);
        var endToEnd = new LatencyRecorder(1 << 20);
        long windows = 0, sessionBytes = 0;
        var deviceName = "cpu";
        for (var run = 0; run <= repeat; run++)
        {
            using var rec = Recording.Open(recordingPath);
            var source = new ReplaySource(rec, new ReplayOptions { Fast = true }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
            using var runner = ModelRunner.Load(modelPath, runnerOptions, run == 0 ? progress : null);
            var session = DecodingSession.Create(source.Description, new DecodingOptions { Session = "bench" }, runner);
            deviceName = runner.Device;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var summary = session.Run(source);
            var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (run == 0) continue;
            Append(model, session.ModelTime);
            Append(added, session.AddedTime);
            Append(endToEnd, session.Latency);
            windows += summary.Windows;
            sessionBytes += used;
        }

        var inputs = ModelInputs(modelPath, recordingPath, 256);
        var (ours, theirs, ourBytes, theirBytes) = Interleaved(modelPath, runnerOptions, inputs, (int)Math.Clamp(model.Count, 500, 4000));

        // The batching's own cost at batch 32: 32 sessions queue one window each, one batch runs them; everything the
        // runner does besides the model's run (taking the windows, copying them into the bucket, handing results back).
        double overhead32, model32;
        long batches32;
        using (var shared = BatchingModelRunner.Load(modelPath, runnerOptions, new BatchingOptions { MaxBatch = 32, MaxDelay = TimeSpan.FromMilliseconds(200), QueueCapacity = 2, Workers = 1 }))
        {
            var window = inputs[0];
            var clients = Enumerable.Range(0, 32).Select(i => shared.Connect($"s{i}", (in WindowTicket _, ReadOnlySpan<float> _) => { }, blockWhenFull: true)).ToArray();
            for (var round = 0; round < 2 + Math.Max(3, repeat * 2); round++)
            {
                if (round == 2) shared.ResetCounters();
                foreach (var c in clients) c.Submit(window, new WindowTicket(round, 0, 4, 0));
                foreach (var c in clients) c.WaitIdle(CancellationToken.None);
            }
            overhead32 = shared.ModelTicks > 0 ? (shared.CycleTicks - shared.ModelTicks) * 100.0 / shared.ModelTicks : double.NaN;
            batches32 = shared.Batches;
            model32 = shared.ModelTicks * 1000.0 / Stopwatch.Frequency / Math.Max(1, shared.Batches);
            foreach (var c in clients) c.Dispose();
        }

        var rows = new List<InferenceBenchRow>
        {
            Row("model run inside the session (IoBinding runner)", model, double.NaN),
            Row("pre-bound IoBinding runner (ours): window in, run, probabilities out — interleaved", ours, ourBytes),
            Row("ONNX Runtime's allocating Run, same session options and windows — interleaved", theirs, theirBytes),
            Row("pipeline's own added time per window (window complete → sinks, minus the model)", added, double.NaN),
            Row("newest sample arrived → prediction and command at the sinks", endToEnd, sessionBytes / (double)Math.Max(1, windows)),
        };
        return new InferenceBenchResult(modelPath, recordingPath, deviceName, threads, repeat, inputs.Count, rows, overhead32, model32, batches32);
    }

    private static InferenceBenchRow Row(string name, LatencyRecorder r, double bytes) =>
        new(name, r.Quantile(0.5), r.Quantile(0.99), r.Quantile(1), r.Count, bytes);

    /// <summary>Up to <paramref name="max"/> windows exactly as a session hands them to the model: the card's preprocessing, its windows, its alignment.</summary>
    private static List<float[]> ModelInputs(string modelPath, string recordingPath, int max)
    {
        var card = ModelCard.Load(ModelCard.PathFor(modelPath));
        using var rec = Recording.Open(recordingPath);
        var source = new ReplaySource(rec, new ReplayOptions { Fast = true }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
        var scale = (float)card.Preprocessing.Scale;
        var inputs = new List<float[]>();
        var windows = source.Chunks().Preprocess(card).SlidingWindows(new SlidingWindowOptions { LengthSamples = card.Window.Samples, HopSeconds = 0.25 }).Align(card);
        using (windows.Subscribe(w =>
        {
            if (inputs.Count >= max) return;
            var x = w.Data.AsSpan(0, card.Channels.Count * card.Window.Samples).ToArray();
            if (scale != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(x, scale, x);
            inputs.Add(x);
        }))
        {
        }
        if (inputs.Count == 0)
            throw new PipelineException($"The recording '{recordingPath}' is shorter than one window of the model '{Path.GetFileName(modelPath)}'; give a longer --recording.");
        return inputs;
    }

    private static (LatencyRecorder Ours, LatencyRecorder Theirs, double OurBytesPerWindow, double TheirBytesPerWindow) Interleaved(string modelPath, ModelRunnerOptions options,
        List<float[]> inputs, int pairs)
    {
        using var runner = ModelRunner.Load(modelPath, options with { BatchSizes = [1], WarmUp = true });
        using var plain = ModelRunner.OpenSession(modelPath, options);
        var dims = new[] { 1, runner.Channels, runner.Samples };
        var probabilities = new float[runner.Classes];
        var outputName = runner.OutputNames.Contains("probabilities") ? "probabilities" : runner.OutputNames[^1];

        void Ours(float[] x)
        {
            runner.Run(x, probabilities);
        }

        void Theirs(float[] x)
        {
            var tensor = new DenseTensor<float>(x, dims);
            using var results = plain.Run([NamedOnnxValue.CreateFromTensor(runner.InputName, tensor)]);
            foreach (var r in results)
                if (r.Name == outputName) ((DenseTensor<float>)r.AsTensor<float>()).Buffer.Span[..probabilities.Length].CopyTo(probabilities);
        }

        for (var i = 0; i < 20; i++)
        {
            Ours(inputs[i % inputs.Count]);
            Theirs(inputs[i % inputs.Count]);
        }
        var ours = new LatencyRecorder(pairs);
        var theirs = new LatencyRecorder(pairs);
        long ourBytes = 0, theirBytes = 0;
        for (var i = 0; i < pairs; i++)
        {
            var x = inputs[i % inputs.Count];
            // Alternate which goes first, so neither always finds the other's data in the cache.
            for (var k = 0; k < 2; k++)
            {
                if ((k == 0) == (i % 2 == 0))
                {
                    var bytes = GC.GetAllocatedBytesForCurrentThread();
                    var t = Stopwatch.GetTimestamp();
                    Ours(x);
                    ours.AddSince(t);
                    ourBytes += GC.GetAllocatedBytesForCurrentThread() - bytes;
                }
                else
                {
                    var bytes = GC.GetAllocatedBytesForCurrentThread();
                    var t = Stopwatch.GetTimestamp();
                    Theirs(x);
                    theirs.AddSince(t);
                    theirBytes += GC.GetAllocatedBytesForCurrentThread() - bytes;
                }
            }
        }
        return (ours, theirs, ourBytes / (double)pairs, theirBytes / (double)pairs);
    }

    private static void Append(LatencyRecorder into, LatencyRecorder from)
    {
        foreach (var v in from.Values()) into.Add(v);
    }
}
