using System.Runtime.InteropServices;
using CsCheck;
using Pipeline.Core.Signals;
using Pipeline.Sources.Simulation;

namespace Pipeline.Tests.Simulation;

public class MotorImagerySimulatorTests
{
    [Fact]
    public void Same_seed_gives_bit_identical_samples_and_markers()
    {
        var options = new MotorImagerySimulatorOptions { Seed = 7, LineNoiseMicrovolts = 3 };
        var a = SimulationRecording.Frames(options, 5000);
        var b = SimulationRecording.Frames(options, 5000);
        Assert.True(MemoryMarshal.AsBytes(a.Data.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.Data.AsSpan())));
        Assert.Equal(a.Timestamps, b.Timestamps);
        Assert.Equal(a.Markers, b.Markers);
    }

    [Fact]
    public void Different_seeds_give_different_samples()
    {
        var a = SimulationRecording.Frames(new MotorImagerySimulatorOptions { Seed = 7 }, 2000);
        var b = SimulationRecording.Frames(new MotorImagerySimulatorOptions { Seed = 8 }, 2000);
        var equal = a.Data.Zip(b.Data).Count(p => p.First == p.Second);
        Assert.True(equal < a.Data.Length / 100, $"{equal} of {a.Data.Length} samples were equal across seeds");
    }

    [Fact]
    public void Output_does_not_depend_on_how_the_run_is_cut_into_calls()
    {
        Gen.Select(Gen.Int[0, 1000], Gen.Int[1, 700].Array[1, 12], Gen.Double[-1000, 1000]).Sample(t =>
        {
            var (seed, sizes, start) = t;
            var options = new MotorImagerySimulatorOptions
            {
                Seed = seed, StartTime = Math.Round(start, 3), FixationSeconds = 0.5, ImagerySeconds = 1,
                RestMinSeconds = 0.2, RestMaxSeconds = 0.6, EmitTrialMarkers = true, ChannelLabels = StandardMontages.Eight,
            };
            var total = sizes.Sum();
            var whole = SimulationRecording.Frames(options, total, chunk: total);
            var sim = new MotorImagerySimulator(options);
            var data = new float[total * 8];
            var timestamps = new double[total];
            var markers = new List<Marker>();
            var done = 0;
            foreach (var n in sizes)
            {
                sim.Fill(data.AsSpan(done * 8), timestamps.AsSpan(done), n, markers);
                done += n;
            }
            Assert.True(whole.Data.AsSpan().SequenceEqual(data));
            Assert.Equal(whole.Timestamps, timestamps);
            Assert.Equal(whole.Markers, markers);
            Assert.Equal(total, sim.FramesGenerated);
        }, iter: 40);
    }

    [Fact]
    public void Timestamps_are_start_time_plus_index_over_rate_exactly()
    {
        var options = new MotorImagerySimulatorOptions { StartTime = 12345.678, SamplingRate = 250 };
        var rec = SimulationRecording.Frames(options, 100_000, chunk: 37);
        for (var i = 0; i < rec.FrameCount; i++)
            Assert.Equal(12345.678 + i / 250.0, rec.Timestamps[i]);
    }

    [Fact]
    public void Background_has_the_requested_microvolt_level_and_all_values_are_finite()
    {
        var options = new MotorImagerySimulatorOptions { Seed = 4 };
        var rec = SimulationRecording.Frames(options, 250 * 120);
        Assert.All(rec.Data, v => Assert.True(float.IsFinite(v)));
        // Fz is far from every rhythm: its RMS is the background's (15 uV) plus sensor noise.
        var rms = Math.Sqrt(SimulationRecording.Variance(rec.Segment("Fz", 0, rec.FrameCount)));
        Assert.InRange(rms, 8, 25);
    }

    [Fact]
    public void Cue_markers_come_at_the_scheduled_times_on_the_sample_grid()
    {
        var options = new MotorImagerySimulatorOptions { Seed = 11, StartTime = 100, EmitTrialMarkers = true };
        var plan = MotorImagerySimulator.PlanTrials(options, 30);
        var rec = SimulationRecording.Trials(options, 30);
        var cues = rec.Markers.Where(m => m.Text != "trial").ToList();
        var trials = rec.Markers.Where(m => m.Text == "trial").ToList();
        Assert.Equal(30, cues.Count);
        Assert.Equal(30, trials.Count);
        Assert.Equal(100.0, trials[0].Timestamp);
        Assert.Equal(102.0, cues[0].Timestamp);
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(plan[i].CueTime, cues[i].Timestamp);
            Assert.Equal(plan[i].Class, cues[i].Text);
            Assert.Equal(plan[i].StartTime, trials[i].Timestamp);
            Assert.Equal(2.0, cues[i].Timestamp - trials[i].Timestamp, 9);
            Assert.Equal(4.0, cues[i].Duration, 9);
            Assert.Equal("MotorImagerySimulator-Markers", cues[i].Stream);
            // A cue is exactly the timestamp of a frame.
            Assert.Equal(rec.Timestamps[rec.FrameOf(cues[i].Timestamp)], cues[i].Timestamp);
            if (i > 0)
            {
                // fixation 2 + imagery 4 + rest 1.5..2.5 s
                var gap = cues[i].Timestamp - cues[i - 1].Timestamp;
                Assert.InRange(gap, 7.5 - 1e-9, 8.5 + 1e-9);
            }
        }
        var gaps = cues.Zip(cues.Skip(1), (a, b) => b.Timestamp - a.Timestamp).ToList();
        Assert.True(gaps.Distinct().Count() > 10, "the rest length should be randomised");
    }

    [Theory]
    [InlineData(new[] { "left", "right" }, 5)]
    [InlineData(new[] { "left", "right", "feet" }, 2)]
    [InlineData(new[] { "left", "right", "feet", "rest" }, 1)]
    public void Classes_are_balanced_in_shuffled_blocks(string[] classes, int perBlock)
    {
        var options = new MotorImagerySimulatorOptions { Seed = 3, Classes = classes, TrialsPerClassPerBlock = perBlock };
        var blockSize = classes.Length * perBlock;
        var plan = MotorImagerySimulator.PlanTrials(options, blockSize * 20);
        var blocks = plan.Chunk(blockSize).Select(b => string.Join(",", b.Select(t => t.Class))).ToList();
        foreach (var block in plan.Chunk(blockSize))
            foreach (var c in classes)
                Assert.Equal(perBlock, block.Count(t => t.Class == c));
        Assert.True(blocks.Distinct().Count() > 5, "the order inside blocks should be shuffled");
        Assert.NotEqual(blocks, MotorImagerySimulator.PlanTrials(options with { Seed = 4 }, blockSize * 20)
            .Chunk(blockSize).Select(b => string.Join(",", b.Select(t => t.Class))).ToList());
    }

    [Fact]
    public void Steady_state_fill_allocates_nothing()
    {
        var sim = new MotorImagerySimulator(new MotorImagerySimulatorOptions { EmitTrialMarkers = true, LineNoiseMicrovolts = 2 });
        var frames = new float[10 * 22];
        var timestamps = new double[10];
        var markers = new List<Marker>(capacity: 16);
        for (var i = 0; i < 200; i++)
        {
            sim.Fill(frames, timestamps, 10, markers);
            markers.Clear();
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        var seen = 0;
        for (var i = 0; i < 5000; i++) // 50,000 frames = 200 s, some 50 markers
        {
            sim.Fill(frames, timestamps, 10, markers);
            seen += markers.Count;
            markers.Clear();
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(seen > 40);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(22)]
    [InlineData(32)]
    [InlineData(64)]
    public void Standard_montages_have_their_count_and_distinct_known_positions(int count)
    {
        var labels = StandardMontages.ForChannelCount(count);
        Assert.Equal(count, labels.Count);
        Assert.Equal(count, labels.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        var positions = labels.Select(ElectrodePositions.GetPosition).ToList();
        Assert.Equal(count, positions.Distinct().Count());
        Assert.All(positions, p => Assert.True(Math.Sqrt(p.X * p.X + p.Y * p.Y) <= 1.05, $"{p} lies off the head"));
        var rec = SimulationRecording.Frames(MotorImagerySimulatorOptions.ForChannelCount(count), 500);
        Assert.Equal(500 * count, rec.Data.Length);
    }

    [Fact]
    public void Positions_follow_the_10_20_geometry()
    {
        Assert.Equal((-0.4, 0.0), ElectrodePositions.GetPosition("C3"), new PositionComparer());
        Assert.Equal((0.4, 0.0), ElectrodePositions.GetPosition("c4"), new PositionComparer());
        Assert.Equal((0.0, -0.6), ElectrodePositions.GetPosition("POz"), new PositionComparer());
        Assert.Equal((-0.8, 0.0), ElectrodePositions.GetPosition("T7"), new PositionComparer());
        var fc3 = ElectrodePositions.GetPosition("FC3");
        Assert.True(fc3.X < 0 && fc3.Y > 0);
        var o2 = ElectrodePositions.GetPosition("O2");
        Assert.True(o2.X > 0 && o2.Y < -0.7);
        Assert.Equal(ElectrodePositions.GetPosition("T7"), ElectrodePositions.GetPosition("T3"));
        Assert.Equal(ElectrodePositions.GetPosition("P8"), ElectrodePositions.GetPosition("t6"));
        Assert.NotEqual(ElectrodePositions.GetPosition("I1"), ElectrodePositions.GetPosition("I2"));
        Assert.False(ElectrodePositions.TryGetPosition("EMG1", out _, out _));
        Assert.False(ElectrodePositions.TryGetPosition("Fp3", out _, out _));
        Assert.False(ElectrodePositions.TryGetPosition("C11", out _, out _));
    }

    private sealed class PositionComparer : IEqualityComparer<(double X, double Y)>
    {
        public bool Equals((double X, double Y) a, (double X, double Y) b) => Math.Abs(a.X - b.X) < 1e-9 && Math.Abs(a.Y - b.Y) < 1e-9;
        public int GetHashCode((double X, double Y) p) => 0;
    }

    [Fact]
    public void Settings_a_user_can_get_wrong_are_reported_as_pipeline_errors()
    {
        Assert.Contains("EMG1", Assert.Throws<PipelineException>(() => new MotorImagerySimulator(new() { ChannelLabels = ["C3", "EMG1"] })).Message);
        Assert.Contains("tongue", Assert.Throws<PipelineException>(() => new MotorImagerySimulator(new() { Classes = ["left", "tongue"] })).Message);
        Assert.Throws<PipelineException>(() => new MotorImagerySimulator(new() { SamplingRate = 0 }));
        Assert.Throws<PipelineException>(() => new MotorImagerySimulator(new() { ChunkFrames = 0 }));
        Assert.Throws<PipelineException>(() => new MotorImagerySimulator(new() { RestMinSeconds = 3, RestMaxSeconds = 2 }));
        Assert.Throws<PipelineException>(() => new MotorImagerySimulator(new() { ChannelLabels = ["C3", "c3"] }));
        Assert.Throws<PipelineException>(() => new MotorImagerySimulator(new() { LineFrequency = 200 }));
        Assert.Throws<PipelineException>(() => StandardMontages.ForChannelCount(12));
    }
}
