using System.Reactive.Subjects;
using BenchmarkDotNet.Attributes;
using Pipeline.Core.Inference;
using Pipeline.Core.Operators;
using Pipeline.Core.Preprocessing;
using Pipeline.Core.Signals;

namespace Pipeline.Host.Bench;

/// <summary>
/// The hot path per chunk and per window, in BenchmarkDotNet with the memory diagnoser: 22 channels at 250 Hz,
/// chunks of 10 frames (40 ms), 4 s windows every 0.25 s, as in a motor-imagery session.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private const int Channels = 22, Rate = 250, ChunkFrames = 10, WindowSamples = 1000;
    private readonly StreamDescription _stream = new("bench", "EEG", Enumerable.Range(0, Channels).Select(i => $"ch{i}").ToArray(), Rate);
    private SignalChunk _chunk = null!;
    private Subject<SignalChunk> _windowing = null!;
    private Subject<SignalChunk> _filtering = null!;
    private IDisposable[] _subscriptions = [];
    private EuclideanAlignment _alignment = null!;
    private float[] _window = null!;
    private float[] _aligned = null!;
    private WindowQueue _queue = null!;
    private float[] _bucket = null!;
    private long _frame;
    private long _windows;
    private OnlineEuclideanAlignment _online22 = null!, _online64 = null!;
    private float[] _window22 = null!, _window64 = null!, _aligned22 = null!, _aligned64 = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        _chunk = new SignalChunk(_stream, ChunkFrames);
        _chunk.Reset(_stream, ChunkFrames);
        foreach (ref var v in _chunk.Samples) v = (float)(rng.NextDouble() * 20 - 10);
        _windowing = new Subject<SignalChunk>();
        _filtering = new Subject<SignalChunk>();
        _subscriptions =
        [
            _windowing.SlidingWindows(new SlidingWindowOptions { LengthSamples = WindowSamples, HopSamples = 62 }).Subscribe(_ => _windows++),
            _filtering.Notch(50).BandPass(8, 30).Subscribe(_ => { }),
        ];
        var m = new float[Channels * Channels];
        for (var i = 0; i < Channels; i++) for (var j = 0; j < Channels; j++) m[i * Channels + j] = i == j ? 1f : 0.01f * (i - j);
        _alignment = new EuclideanAlignment(m, Channels);
        _window = Enumerable.Range(0, Channels * WindowSamples).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
        _aligned = new float[_window.Length];
        _queue = new WindowQueue(8, _window.Length, blockWhenFull: false);
        _bucket = new float[32 * _window.Length];
        // Online alignment at the EEGMMIDB model's window (3 s at 160 Hz = 480 samples), 22 and 64 channels, from a
        // population reference with warm-up 20: every call adds the window, decomposes R and aligns.
        (_online22, _window22, _aligned22) = OnlineSetup(22, rng);
        (_online64, _window64, _aligned64) = OnlineSetup(64, rng);
        // Warm everything up so buffers exist and the JIT has settled before measuring.
        for (var i = 0; i < 200; i++) { Next(); _windowing.OnNext(_chunk); _filtering.OnNext(_chunk); }
        for (var i = 0; i < 300; i++)
        {
            _alignment.Apply(_window, _aligned, WindowSamples);
            _queue.Enqueue(_window, new WindowTicket(i, 0, 4, 0));
            _queue.TryDequeue(_bucket.AsSpan(0, _window.Length), out _);
        }
    }

    private static (OnlineEuclideanAlignment, float[], float[]) OnlineSetup(int channels, Random rng)
    {
        const int samples = 480;
        var reference = new double[channels * channels];
        for (var i = 0; i < channels; i++) reference[i * channels + i] = 25;
        var window = Enumerable.Range(0, channels * samples).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
        var aligned = new float[window.Length];
        var online = new OnlineEuclideanAlignment(channels, reference, warmup: 20);
        for (var i = 0; i < 20; i++) online.Align(window, aligned, samples);
        return (online, window, aligned);
    }

    private void Next()
    {
        var ts = _chunk.Timestamps;
        for (var f = 0; f < ChunkFrames; f++) ts[f] = (_frame + f) / (double)Rate;
        _frame += ChunkFrames;
    }

    /// <summary>One 40 ms chunk through the sliding-window operator (a window every ~6 chunks).</summary>
    [Benchmark]
    public void Windowing_per_chunk()
    {
        Next();
        _windowing.OnNext(_chunk);
    }

    /// <summary>One 40 ms chunk through notch + 8-30 Hz band-pass (SOS, per-channel state).</summary>
    [Benchmark]
    public void Filtering_per_chunk()
    {
        Next();
        _filtering.OnNext(_chunk);
    }

    /// <summary>Euclidean alignment of one 22 x 1000 window.</summary>
    [Benchmark]
    public void Alignment_per_window() => _alignment.Apply(_window, _aligned, WindowSamples);

    /// <summary>Online Euclidean alignment of one 22 x 480 window: covariance, running mean, eigendecomposition, R^-1/2, product.</summary>
    [Benchmark]
    public AlignmentOutcome Online_alignment_22ch_per_window() => _online22.Align(_window22, _aligned22, 480);

    /// <summary>Online Euclidean alignment of one 64 x 480 window.</summary>
    [Benchmark]
    public AlignmentOutcome Online_alignment_64ch_per_window() => _online64.Align(_window64, _aligned64, 480);

    /// <summary>Enqueue one window and take it into its batch slot (the batching queue's work per window).</summary>
    [Benchmark]
    public void Enqueue_and_batch_assembly_per_window()
    {
        _queue.Enqueue(_window, new WindowTicket(1, 0, 4, 0));
        _queue.TryDequeue(_bucket.AsSpan(0, _window.Length), out _);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var s in _subscriptions) s.Dispose();
    }
}
