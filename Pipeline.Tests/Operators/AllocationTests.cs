using System.Reactive.Linq;
using System.Reactive.Subjects;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Operators;

public class AllocationTests
{
    private static long AllocatedWhilePushing(Func<IObservable<SignalChunk>, IObservable<Window>> chain, int channels, double rate, int chunkFrames, int chunks, Action<double>? afterChunk = null)
    {
        var d = new StreamDescription("alloc", "EEG", Enumerable.Range(0, channels).Select(i => $"E{i}").Reverse().ToArray(), rate);
        var chunk = new SignalChunk(d, chunkFrames);
        chunk.Reset(d, chunkFrames);
        var rnd = new Random(5);
        for (int i = 0; i < chunk.Samples.Length; i++) chunk.Samples[i] = (float)rnd.NextDouble();
        var subject = new Subject<SignalChunk>();
        long windows = 0;
        double sum = 0;
        using var sub = chain(subject).Subscribe(w => { windows++; sum += w.Data[0]; });
        long frame = 0;
        void Push()
        {
            var ts = chunk.TimestampSpan;
            for (int f = 0; f < ts.Length; f++) ts[f] = 100 + frame++ / rate;
            subject.OnNext(chunk);
            afterChunk?.Invoke(ts[^1]);
        }
        for (int i = 0; i < 50; i++) Push(); // warm-up: buffers reach their size, JIT is done
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < chunks; i++) Push();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(windows > 0);
        return allocated;
    }

    [Fact]
    public void Select_filter_resample_window_chain_allocates_nothing_per_sample()
    {
        var labels = new[] { "E3", "E1", "E0" };
        long bytes = AllocatedWhilePushing(s => s.SelectChannels(labels).HighPass(0.5).BandPass(8, 30).Notch(50)
            .Resample(160.0).DetectGaps(_ => { }).SlidingWindows(new SlidingWindowOptions { LengthSeconds = 2, HopSeconds = 0.1 }),
            channels: 8, rate: 250, chunkFrames: 13, chunks: 2000);
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Epoch_chain_allocates_nothing_per_sample()
    {
        var markers = new Subject<Marker>();
        int count = 0;
        var stats = new EpochStatistics();
        long bytes = AllocatedWhilePushing(s => s.BandPass(8, 30).EventLockedEpochs(markers, new EpochOptions { TMin = 0, TMax = 1, Statistics = stats })
            .Merge(s.SlidingWindows(new SlidingWindowOptions { LengthSamples = 100, HopSamples = 50 })),
            channels: 4, rate: 250, chunkFrames: 10, chunks: 2000,
            // A marker every 25 chunks (1 s), referring to data 0.5 s back: epochs are really cut while measuring.
            afterChunk: t => { if (++count % 25 == 0) markers.OnNext(new Marker(t - 0.5, "T1")); });
        Assert.True(count > 2000);
        Assert.True(stats.Emitted > 70, stats.ToString());
        Assert.Equal(0, bytes);
    }
}

/// <summary>The whole decoding session on its own thread, from chunk to sink: nothing allocated per window in steady state.</summary>
public class SessionAllocationTests
{
    [Fact]
    public void Decoding_session_with_the_demo_model_allocates_nothing_per_window()
    {
        using var model = Pipeline.Core.Inference.ModelRunner.Load(Path.Combine(Pipeline.Tests.Infrastructure.SharedData.RepositoryRoot, "models", "dbconformer-demo.onnx"));
        var card = model.Card;
        var d = new StreamDescription("amp", "EEG", card.Channels, card.Rate);
        // One command at most (during the warm-up): a command is an immutable record, the one allocation the path makes.
        var session = Pipeline.Core.Sessions.DecodingSession.Create(d, new Pipeline.Core.Sessions.DecodingOptions { Decisions = new() { RefractorySeconds = 1e9 } }, model);
        var chunk = new SignalChunk(d, 10);
        chunk.Reset(d, 10);
        var rnd = new Random(3);
        for (var i = 0; i < chunk.Samples.Length; i++) chunk.Samples[i] = (float)(rnd.NextDouble() * 20 - 10);
        var source = new Subject<SourceEvent>();
        long predictions = 0, trials = 0;
        using var running = session.Start(source, System.Reactive.Observer.Create<Pipeline.Core.Sessions.SessionEvent>(e =>
        {
            if (e.Kind == Pipeline.Core.Sessions.SessionEventKind.Prediction) predictions++;
            else if (e.Kind == Pipeline.Core.Sessions.SessionEventKind.Trial) trials++;
        }));
        // A live view's tap on the filtered signal (issue 13's scope) costs nothing per window either.
        long tapped = 0;
        using var tap = session.FilteredSignal.Subscribe(c => tapped += c.Frames);
        long frame = 0;
        var marker = 0;
        void Push(bool cues)
        {
            var ts = chunk.TimestampSpan;
            for (var f = 0; f < ts.Length; f++) ts[f] = 100 + frame++ / card.Rate;
            chunk.ArrivalTicks = System.Diagnostics.Stopwatch.GetTimestamp();
            source.OnNext(SourceEvent.FromChunk(chunk));
            // A cue every 8 s opens a trial (one small object per cue, not per window) that the windows after it are scored in.
            if (cues && frame % (int)(8 * card.Rate) == 0) source.OnNext(SourceEvent.FromMarker(new Marker(ts[^1], (marker++ % 2) == 0 ? "left" : "right")));
        }
        for (var i = 0; i < 1000; i++) Push(cues: true); // warm-up: 40 s, windows, the JIT, the first command, 5 trials
        var windowsBefore = predictions;
        var trialsBefore = trials;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++) Push(cues: true); // trials go on: their windows are scored, their epochs classified
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var windows = predictions - windowsBefore;
        var trialsMeasured = trials - trialsBefore;
        Assert.True(windows >= 300, $"only {windows} windows while measuring");
        Assert.InRange(trialsMeasured, 8, 12);
        Assert.True(running.Failure is null, running.Failure?.ToString());
        Assert.Equal(frame, tapped);
        // Nothing per window. Per cue (one every 8 s here) a few small objects: the marker event, the trial the scorer
        // opens, and the result of its classified epoch (~175 B in all). One allocation of 24 B per window would be
        // 7,200 B or more.
        Assert.True(allocated <= trialsMeasured * 256, $"{allocated} B for {windows} windows and {trialsMeasured} trials");
    }
}

/// <summary>
/// A session's recording of an LSL stream in its own format (issue 14, item 1): copying a chunk's exact values into
/// the recorder allocates nothing per chunk once its buffer has grown, like the float path.
/// </summary>
public class RecorderAllocationTests
{
    [Theory]
    [InlineData(ValueFormat.Int32)]
    [InlineData(ValueFormat.Int64)]
    public void Recording_exact_values_allocates_nothing_per_chunk(ValueFormat format)
    {
        var folder = Path.Combine(Path.GetTempPath(), "pipeline-alloc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            var d = new StreamDescription("amp", "EEG", ["C3", "Cz", "C4"], 250, format);
            // No flush while measuring (the writer thread would swap in its other, smaller buffer): everything reaches
            // the file at Dispose.
            using var recorder = new Pipeline.Sinks.Xdf.XdfRecorderSink(Path.Combine(folder, "a.xdf"), d, new Pipeline.Sinks.Xdf.XdfRecorderOptions { RawFormat = format, FlushInterval = TimeSpan.FromHours(1) });
            var chunk = new SignalChunk(d, 10);
            chunk.Reset(d, 10);
            var exact = new ExactSamples(format, 30);
            exact.SetCount(30);
            chunk.Exact = exact;
            long frame = 0;
            void Push()
            {
                for (var f = 0; f < 10; f++) chunk.Timestamps[f] = frame++ / 250.0;
                if (format == ValueFormat.Int64) exact.Int64Values.Fill(frame << 40);
                else exact.Doubles.Fill(20164001 + frame);
                recorder.OnSourceEvent(SourceEvent.FromChunk(chunk));
            }
            for (var i = 0; i < 300; i++) Push(); // warm-up: 3,000 frames, the buffer grows to 4,096
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++) Push(); // 1,000 more fit without growing
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
