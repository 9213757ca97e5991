using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Pipeline.Core.Signals;
using Pipeline.Sources.Replay;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Replay;

/// <summary>A looped replay (the service's <c>loop</c>) in virtual time: one continuous stream whose time keeps rising.</summary>
public sealed class ReplayLoopTests
{
    [Fact]
    public void Each_lap_follows_the_last_one_sample_later_with_its_markers_shifted_by_the_recording_length()
    {
        using var recording = Recording.Open(Path.Combine(SharedData.RepositoryRoot, "recordings", "demo-mi.xdf"));
        var clock = new HistoricalScheduler(DateTimeOffset.UnixEpoch);
        var source = new ReplaySource(recording, new ReplayOptions { Speed = 10, Loop = true }, clock);
        var stream = source.Stream;
        var period = stream.Duration + 1 / stream.Description.NominalRate;
        var times = new List<double>();
        var markers = new List<Marker>();
        var completed = false;
        using (source.Subscribe(e =>
        {
            if (e.Chunk is { } c) times.AddRange(c.TimestampSpan.ToArray());
            else if (e.IsMarker) markers.Add(e.Marker);
        }, () => completed = true))
        {
            // 2.5 laps of a 180 s recording at 10x: 45 s of virtual time.
            clock.AdvanceBy(TimeSpan.FromSeconds(2.5 * period / 10));
        }
        Assert.False(completed);
        var frames = stream.FrameCount;
        Assert.InRange(times.Count, 2 * frames + frames / 2 - 100, 2 * frames + frames / 2 + 10);
        // One continuous stream: every step is one sample period, across the joins too.
        for (var i = 1; i < times.Count; i++) Assert.Equal(1 / stream.Description.NominalRate, times[i] - times[i - 1], 6);
        Assert.Equal(times[0] + period, times[(int)frames], 9);
        // The markers of lap 2 are those of lap 1, one period later.
        var perLap = recording.Markers.Count;
        Assert.True(markers.Count >= 2 * perLap);
        for (var i = 0; i < perLap; i++)
        {
            Assert.Equal(markers[i].Text, markers[perLap + i].Text);
            Assert.Equal(markers[i].Timestamp + period, markers[perLap + i].Timestamp, 9);
        }
    }
}
