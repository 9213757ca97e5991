using System.Reactive.Concurrency;
using System.Reactive.Linq;
using CsCheck;
using Pipeline.Core.Signals;
using Pipeline.Sources.Edf;
using Pipeline.Sources.Replay;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Replay;

public class ReplaySourceTests
{
    private static string Demo => Path.Combine(SharedData.RepositoryRoot, "recordings", "demo-mi.xdf");

    [Fact]
    public void Paced_replay_emits_each_chunk_when_its_last_frame_is_due_and_markers_just_before()
    {
        using var recording = Recording.Open(Demo);
        var scheduler = new HistoricalScheduler(DateTimeOffset.UnixEpoch);
        const double speed = 4;
        var source = new ReplaySource(recording, new ReplayOptions { Speed = speed, ChunkFrames = 25 }, scheduler);
        var events = new List<(TimeSpan At, double First, double Last, Marker? Marker)>();
        var completed = false;
        using var sub = source.Subscribe(e => events.Add(e.Chunk is { } c
            ? (scheduler.Now - DateTimeOffset.UnixEpoch, c.FirstTimestamp, c.LastTimestamp, null)
            : (scheduler.Now - DateTimeOffset.UnixEpoch, double.NaN, double.NaN, e.Marker)), () => completed = true);
        scheduler.AdvanceBy(TimeSpan.FromSeconds(10));
        var soFar = events.Where(e => e.Marker is null).ToList();
        // 10 s of virtual time at 4x covers 40 s of signal: 400 chunks of 0.1 s.
        Assert.InRange(soFar.Count, 399, 401);
        scheduler.Start();
        Assert.True(completed);
        var t0 = events.First(e => e.Marker is null).First;
        double lastChunkEnd = double.NegativeInfinity;
        foreach (var e in events)
        {
            if (e.Marker is { } m)
            {
                Assert.True(m.Timestamp > lastChunkEnd, "a marker came after the chunk that holds its time");
                continue;
            }
            Assert.Equal((e.Last - t0) / speed, e.At.TotalSeconds, 3);
            lastChunkEnd = e.Last;
        }
        Assert.Equal(recording.Markers.Count, events.Count(e => e.Marker is not null));
    }

    [Fact]
    public void Fast_replay_delivers_every_frame_in_order_for_any_chunk_size()
    {
        using var recording = Recording.Open(Demo);
        var total = recording.ChooseSignalStream().FrameCount;
        Gen.Int[1, 700].Sample(chunk =>
        {
            var source = new ReplaySource(recording, new ReplayOptions { Fast = true, ChunkFrames = chunk }, ImmediateScheduler.Instance);
            long frames = 0;
            var last = double.NegativeInfinity;
            var ordered = true;
            source.Chunks().Do(c =>
            {
                frames += c.Frames;
                foreach (var t in c.TimestampSpan) { ordered &= t > last; last = t; }
                ordered &= c.Frames <= chunk;
            }).Wait();
            return frames == total && ordered;
        }, iter: 20, threads: 1);
    }

    [SharedDataFact]
    public void Edf_recording_chunks_concatenate_to_the_file_signals()
    {
        var path = SharedData.File("eeg", "eegmmidb-S001", "S001R04.edf");
        using var recording = Recording.Open(path);
        using var edf = EdfFile.Open(path);
        Assert.Equal("EDF+C", recording.Format);
        var stream = Assert.Single(recording.SignalStreams);
        Assert.Equal(64, stream.Description.ChannelCount);
        Assert.Equal(160, stream.Description.NominalRate);
        Assert.Equal(20_000, stream.FrameCount);
        var c3 = stream.Description.ChannelLabels.ToList().FindIndex(l => l.StartsWith("C3", StringComparison.Ordinal));
        var expected = edf.ReadSignal(edf.DataSignals[c3].Index);
        Gen.Int[1, 400].Sample(chunk =>
        {
            var got = new List<float>();
            var times = new List<double>();
            foreach (var c in recording.ReadChunks(0, chunk))
                for (var f = 0; f < c.Frames; f++) { got.Add(c.Frame(f)[c3]); times.Add(c.Timestamps[f]); }
            return got.SequenceEqual(expected) && times.Select((t, i) => Math.Abs(t - i / 160.0) < 1e-9).All(x => x);
        }, iter: 10, threads: 1);
        // 15 cues (T1/T2) and 15 rests (T0), one every ~4.15 s from 0.
        Assert.Equal(15, recording.Markers.Count(m => m.Text is "T1" or "T2"));
        Assert.Equal(15, recording.Markers.Count(m => m.Text == "T0"));
        Assert.Equal(0, recording.Markers[0].Timestamp);
        Assert.InRange(recording.Markers[^1].Timestamp, 120, 125);
    }

    [SharedDataFact]
    public void Xdf_recording_with_clock_resets_replays_the_eeg_stream_synchronised()
    {
        using var recording = Recording.Open(SharedData.File("xdf", "clock_resets.xdf"));
        var stream = recording.ChooseSignalStream();
        Assert.Equal("BioSemi", stream.Description.Name);
        Assert.Equal(8, stream.Description.ChannelCount);
        Assert.Equal(175, recording.Markers.Count);
        long frames = 0;
        var worstBackStep = 0.0;
        var last = double.NaN;
        foreach (var c in recording.ReadChunks(stream.Index, 97))
            foreach (var t in c.TimestampSpan)
            {
                if (!double.IsNaN(last)) worstBackStep = Math.Max(worstBackStep, last - t);
                last = t;
                frames++;
            }
        Assert.Equal(stream.FrameCount, frames);
        Assert.True(worstBackStep < 0.05, $"synchronised timestamps stepped back {worstBackStep} s");
    }

    [Fact]
    public void Opening_what_is_not_a_recording_is_a_clear_error()
    {
        Assert.Contains("does not exist", Assert.Throws<PipelineException>(() => Recording.Open("nope.xdf")).Message);
        Assert.Contains("is a folder", Assert.Throws<PipelineException>(() => Recording.Open(Path.GetTempPath())).Message);
        var empty = Path.GetTempFileName();
        try
        {
            Assert.Contains("empty", Assert.Throws<PipelineException>(() => Recording.Open(empty)).Message);
            File.WriteAllText(empty, "GDF 2.10 whatever");
            Assert.Contains("GDF", Assert.Throws<PipelineException>(() => Recording.Open(empty)).Message);
        }
        finally
        {
            File.Delete(empty);
        }
    }
}
