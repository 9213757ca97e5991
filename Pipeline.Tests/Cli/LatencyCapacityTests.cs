using Pipeline.Host.Bench;

namespace Pipeline.Tests.Cli;

/// <summary>
/// The capacity sentence of <c>bench latency</c>: a count that held only after a smaller count failed (the machine's
/// noise) must never be reported as the capacity (issue 15, honest benchmarks).
/// </summary>
public sealed class LatencyCapacityTests
{
    private static LatencyBenchRow Row(int sessions, double p99, long drops = 0) =>
        new("unbatched", "random", sessions, 1, 1, 1, 0, 0, 0, p99, 0, 0, 0, 0, 0, drops, 0, 0, 1, 0, 0, 0, 0, 0, 0, []);

    [Fact]
    public void Capacity_is_the_largest_count_up_to_which_every_count_held_and_a_later_lucky_count_is_named_as_noise()
    {
        // The unbatched rows of docs/bench/latency.txt (2026-12-02): 256 and 320 failed, 384 held, 448 and 512 failed.
        var text = LatencyBench.Capacity([Row(512, 828), Row(64, 4.7), Row(384, 24.4), Row(128, 4.5), Row(256, 246), Row(192, 4.8), Row(320, 152), Row(448, 123)]);
        Assert.StartsWith("holds every count tried up to 192 session(s)", text);
        Assert.Contains("384 held too, but 256, 320 did not", text);
    }

    [Fact]
    public void Drops_fail_a_count_as_a_late_p99_does_and_the_first_failure_is_named()
    {
        var text = LatencyBench.Capacity([Row(64, 3), Row(128, 4), Row(192, 10, drops: 1), Row(256, 80)]);
        Assert.Equal("holds every count tried up to 128 session(s) at p99 ≤ 50 ms with nothing dropped; 192 did not", text);
    }

    [Fact]
    public void No_count_held_says_so_with_the_smallest_count()
    {
        var text = LatencyBench.Capacity([Row(128, 60), Row(64, 51)]);
        Assert.Equal("held none of the counts tried at p99 ≤ 50 ms with nothing dropped (the smallest, 64, did not)", text);
    }
}
