using CsCheck;
using Pipeline.Lsl.Xdf;

namespace Pipeline.Tests.Xdf;

public sealed class ClockSyncTests
{
    [Fact]
    public void No_offsets_leave_times_untouched()
    {
        var sync = ClockSync.Fit([]);
        Assert.Empty(sync.Segments);
        Assert.Equal(123.456, sync.Map(123.456));
    }

    [Fact]
    public void A_drifting_offset_with_outliers_is_recovered()
    {
        Gen.Select(Gen.Double[-1000, 1000], Gen.Double[-1e-4, 1e-4], Gen.Double[0, 1e6], Gen.Int)
            .Sample((a, b, t0, seed) =>
            {
                var random = new Random(seed);
                var offsets = Enumerable.Range(0, 60).Select(i =>
                {
                    var t = t0 + 5 * i + random.NextDouble() * 0.1;
                    var noise = (random.NextDouble() - 0.5) * 2e-5;
                    // A few measurements are off by a lot (network hiccups); the Huber fit must shrug them off.
                    if (i % 13 == 5) noise += 0.05;
                    return new XdfClockOffset(t, a + b * t + noise);
                }).ToList();
                var sync = ClockSync.Fit(offsets);
                Assert.Single(sync.Segments);
                foreach (var t in new[] { t0, t0 + 150, t0 + 300 })
                    Assert.Equal(t + a + b * t, sync.Map(t), 5e-5);
            }, iter: 200);
    }

    [Fact]
    public void A_clock_reset_splits_the_fit_and_each_side_uses_its_own_line()
    {
        var offsets = new List<XdfClockOffset>();
        for (var i = 0; i < 40; i++) offsets.Add(new XdfClockOffset(650000 + 5 * i, -649000 + 1e-6 * i));
        for (var i = 0; i < 40; i++) offsets.Add(new XdfClockOffset(100 + 5 * i, 1121 - 1e-6 * i));
        var sync = ClockSync.Fit(offsets);
        Assert.Equal(2, sync.Segments.Count);
        Assert.Equal(650000 - 649000, sync.Map(650000), 1e-3);
        Assert.Equal(650195 - 649000, sync.Map(650195), 1e-3);
        Assert.Equal(100 + 1121, sync.Map(100), 1e-3);
        Assert.Equal(50 + 1121, sync.Map(50), 1e-3); // before the segment's first offset: nearest segment
    }

    [Fact]
    public void A_pause_alone_is_not_a_reset()
    {
        var offsets = new List<XdfClockOffset>();
        for (var i = 0; i < 20; i++) offsets.Add(new XdfClockOffset(5 * i, 0.5));
        for (var i = 0; i < 20; i++) offsets.Add(new XdfClockOffset(10000 + 5 * i, 0.5));
        Assert.Single(ClockSync.Fit(offsets).Segments);
    }
}
