using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Features;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;
using Pipeline.Core.Sessions;
using Pipeline.Sources.Replay;

namespace Pipeline.Host.Bench;

/// <summary>One configuration of <c>bench replay</c>. Per-chunk figures are NaN where they were not measured.</summary>
internal sealed record ReplayBenchRow(string Configuration, double RtfMedian, double RtfP99Worst, double ChunkUsP50, double ChunkUsP99, double BytesPerChunk,
    double BytesPerSample, long Windows);

/// <summary>What <c>bench replay</c> measured on one recording.</summary>
internal sealed record ReplayBenchResult(string File, string Stream, int Channels, double Rate, double SignalSeconds, int ChunkFrames, int ChunkCount, int Runs,
    IReadOnlyList<ReplayBenchRow> Rows);

/// <summary>
/// Real-time factor of <c>replay --fast</c> without a model, and the allocations of the hot path: windowing only;
/// gap detection + notch + band-pass + windowing (+ band power), on chunks already in memory; and the whole replay
/// from the file. Allocated bytes are counted on the processing thread after a warm-up run.
/// </summary>
internal static class ReplayBench
{
    public static ReplayBenchResult Run(string path, int repeat, double windowSeconds, double hopSeconds, (double Low, double High) band, string? streamName,
        Action<string>? progress = null)
    {
        using var recording = Recording.Open(path);
        var stream = recording.ChooseSignalStream(streamName);
        var d = stream.Description;
        var chunkFrames = new ReplayOptions().ChunkFramesFor(d.NominalRate);
        var chunks = recording.ReadChunks(stream.Index, chunkFrames).Select(c => c.Clone()).ToList();
        var frames = chunks.Sum(c => (long)c.Frames);
        var signalSeconds = frames / d.NominalRate;
        var windowSamples = (int)Math.Round(windowSeconds * d.NominalRate);
        if (frames < windowSamples)
            throw new PipelineException($"The window of {windowSeconds:G} s is longer than the stream '{d.Name}' ({signalSeconds:F1} s); choose a shorter --window.");
        progress?.Invoke($"stream '{d.Name}', {d.ChannelCount} channels at {d.NominalRate:G} Hz, {signalSeconds:F1} s in {chunks.Count} chunks of {chunkFrames} frames; {repeat} timed runs each");

        // A 50 Hz notch where the rate allows it (a 100 Hz stream has its Nyquist frequency at 50 Hz).
        var notch = d.NominalRate / 2 > 55 ? 50.0 : 0;
        var notchLabel = notch > 0 ? "notch 50 + " : "";
        IObservable<SignalChunk> Filtered(IObservable<SignalChunk> s)
        {
            s = s.DetectGaps(_ => { });
            if (notch > 0) s = s.Notch(notch);
            return s.BandPass(band.Low, band.High);
        }
        var windowing = new SlidingWindowOptions { LengthSamples = windowSamples, HopSeconds = hopSeconds };
        var rows = new List<ReplayBenchRow>
        {
            MeasureChain("windowing only", chunks, repeat, signalSeconds, d, s => s.SlidingWindows(windowing), false),
            MeasureChain($"gaps + {notchLabel}band-pass + windowing", chunks, repeat, signalSeconds, d, s => Filtered(s).SlidingWindows(windowing), false),
            MeasureChain("the same + band power per window", chunks, repeat, signalSeconds, d, s => Filtered(s).SlidingWindows(windowing), true),
            MeasureFile(path, repeat, signalSeconds, streamName, windowSeconds, hopSeconds, band, notch),
        };
        return new ReplayBenchResult(path, d.Name, d.ChannelCount, d.NominalRate, signalSeconds, chunkFrames, chunks.Count, repeat, rows);
    }

    private static ReplayBenchRow MeasureChain(string name, List<SignalChunk> chunks, int repeat, double signalSeconds, StreamDescription d,
        Func<IObservable<SignalChunk>, IObservable<Window>> chain, bool bandPower)
    {
        var rtf = new List<double>();
        var perChunk = new LatencyRecorder(chunks.Count * repeat);
        long bytes = 0, windows = 0;
        var output = new float[d.ChannelCount];
        // One chain for all runs, as in a live session: each run replays the same chunks, which the chain sees as a
        // clock reset and restarts on, so only the first (warm-up) run pays for buffers and JIT.
        var subject = new Subject<SignalChunk>();
        long count = 0;
        using var sub = chain(subject).Subscribe(w =>
        {
            count++;
            if (bandPower) SignalPower.LogMeanSquare(w, output);
        });
        for (var run = 0; run <= repeat; run++)
        {
            var warm = run == 0;
            count = 0;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            foreach (var c in chunks)
            {
                var t = Stopwatch.GetTimestamp();
                subject.OnNext(c);
                if (!warm) perChunk.Add((Stopwatch.GetTimestamp() - t) * 1e6 / Stopwatch.Frequency);
            }
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (warm) continue;
            rtf.Add(signalSeconds / elapsed);
            bytes += used;
            windows = count;
        }
        var frames = chunks.Sum(c => (long)c.Frames) * (double)repeat;
        return new ReplayBenchRow(name, Stats.Median(rtf), rtf.Min(), perChunk.Quantile(0.5), perChunk.Quantile(0.99), bytes / (double)(chunks.Count * repeat),
            bytes / frames, windows);
    }

    private static ReplayBenchRow MeasureFile(string path, int repeat, double signalSeconds, string? streamName, double windowSeconds, double hopSeconds,
        (double, double) band, double notch)
    {
        var rtf = new List<double>();
        long bytes = 0, chunkCount = 0, frames = 0, windows = 0;
        for (var run = 0; run <= repeat; run++)
        {
            using var recording = Recording.Open(path);
            var source = new ReplaySource(recording, new ReplayOptions { Fast = true, Stream = streamName }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
            var session = DecodingSession.Create(source.Description, new DecodingOptions { WindowSeconds = windowSeconds, HopSeconds = hopSeconds, Band = band, Notch = notch });
            long chunksSeen = 0;
            var counted = source.Do(e => { if (e.Chunk is not null) chunksSeen++; });
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            var summary = session.Run(counted);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (run == 0) continue;
            rtf.Add(signalSeconds / elapsed);
            bytes += used;
            chunkCount += chunksSeen;
            frames += summary.Frames;
            windows = summary.Windows;
        }
        // Per-chunk times are not taken here (the file reader and the session run as one): NaN, written as null in JSON.
        return new ReplayBenchRow("whole replay from the file (read + decode + the chain above)", Stats.Median(rtf), rtf.Min(), double.NaN, double.NaN,
            bytes / (double)Math.Max(1, chunkCount), bytes / (double)Math.Max(1, frames), windows);
    }
}
