using Pipeline.Core.Audio;
using Pipeline.Core.Inference;

namespace Pipeline.Host.Sessions;

/// <summary>
/// One <see cref="BatchingModelRunner"/> per model file, device and batching settings, shared by every session of the
/// process that uses that model (EEG decoders and speech keyword models alike): sessions lease it, and the last lease to
/// end disposes it. A service gives all its sessions the same settings (its <c>inference</c> section), so they share one
/// runner per model and device; a lease with other settings (another service in the process, a test) gets its own.
/// </summary>
internal static class SharedRunnerPool
{
    private static readonly object Gate = new();
    private static readonly Dictionary<(string Model, ExecutionDevice Device, BatchingOptions Batching), Entry> Runners = [];

    /// <summary>Leases the shared runner for an EEG model and device, loading and warming it on first use.</summary>
    public static Lease Acquire(string modelPath, ModelRunnerOptions runner, BatchingOptions batching, Action<string>? log) =>
        Acquire(modelPath, runner.Device, batching, () => BatchingModelRunner.Load(modelPath, runner, batching, log));

    /// <summary>Leases the shared runner for a speech keyword model (its upstream chained to its head) and device.</summary>
    public static Lease AcquireSpeech(string headPath, ModelRunnerOptions runner, BatchingOptions batching, Action<string>? log) =>
        Acquire(headPath, runner.Device, batching, () => BatchingModelRunner.Start(
            SslKeywordModel.Load(headPath, null, runner with { BatchSizes = [1, 2, 4, 8] }, log), batching, log));

    private static Lease Acquire(string modelPath, ExecutionDevice device, BatchingOptions batching, Func<BatchingModelRunner> load)
    {
        ArgumentNullException.ThrowIfNull(batching);
        var key = (Path.GetFullPath(modelPath), device, batching);
        lock (Gate)
        {
            if (!Runners.TryGetValue(key, out var entry))
                Runners[key] = entry = new Entry(load());
            entry.Leases++;
            return new Lease(key, entry.Runner);
        }
    }

    private static void Release((string, ExecutionDevice, BatchingOptions) key)
    {
        lock (Gate)
        {
            if (!Runners.TryGetValue(key, out var entry) || --entry.Leases > 0) return;
            Runners.Remove(key);
            entry.Runner.Dispose();
        }
    }

    /// <summary>Runners loaded now (for tests: every lease returned means none).</summary>
    public static int Count
    {
        get { lock (Gate) return Runners.Count; }
    }

    private sealed class Entry(BatchingModelRunner runner)
    {
        public BatchingModelRunner Runner { get; } = runner;
        public int Leases { get; set; }
    }

    /// <summary>A session's use of a shared runner; dispose it when the session ends.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly (string, ExecutionDevice, BatchingOptions) _key;
        private int _released;

        internal Lease((string, ExecutionDevice, BatchingOptions) key, BatchingModelRunner runner)
        {
            _key = key;
            Runner = runner;
        }

        /// <summary>The shared runner.</summary>
        public BatchingModelRunner Runner { get; }

        /// <inheritdoc />
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) Release(_key);
        }
    }
}
