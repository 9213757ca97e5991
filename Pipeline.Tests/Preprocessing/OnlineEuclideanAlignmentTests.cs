using CsCheck;
using Pipeline.Core.Preprocessing;
using Xunit.Abstractions;

namespace Pipeline.Tests.Preprocessing;

public class OnlineEuclideanAlignmentTests(ITestOutputHelper output)
{
    private static readonly Lazy<OnlineAlignmentGolden> Golden = new(OnlineAlignmentGolden.Load);

    public static TheoryData<string> GoldenCases() => new(OnlineAlignmentGolden.Load().Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void Matches_the_python_reference_window_by_window(string name)
    {
        var g = Golden.Value;
        var k = g.Cases.Single(c => c.Name == name);
        int n = k.Channels, t = k.Samples, size = n * t;
        var ea = new OnlineEuclideanAlignment(n, k.Reference ?? [], k.Warmup, k.EigenFloor);
        if (k.SeedWindows is { } seedWindows)
        {
            // The calibration path: accumulate the calibration windows, then seed a fresh alignment with their mean.
            var calibration = new OnlineEuclideanAlignment(n);
            for (var i = 0; i < k.SeedCount; i++) Assert.True(calibration.Accumulate(seedWindows.AsSpan(i * size, size), t));
            var reference = new double[n * n];
            Assert.True(calibration.CopyReference(reference));
            for (var i = 0; i < reference.Length; i++)
                Assert.True(Math.Abs(reference[i] - k.SeedReference![i]) <= 1e-9 * Math.Max(1, Math.Abs(k.SeedReference[i])), $"seed reference [{i}]: {reference[i]} vs {k.SeedReference[i]}");
            Assert.Equal(k.SeedCount, calibration.Weight);
            ea.Seed(reference, calibration.Weight);
        }
        var aligned = new float[size];
        double worst = 0, worstMatrix = 0;
        for (var i = 0; i < k.Count; i++)
        {
            aligned.AsSpan().Fill(-12345f);
            var outcome = ea.Align(k.Windows.AsSpan(i * size, size), aligned, t);
            var expectedOutcome = k.Status[i] switch
            {
                "ok" => AlignmentOutcome.Aligned,
                "guarded" => AlignmentOutcome.Guarded,
                "skipped" => AlignmentOutcome.Skipped,
                var s => throw new InvalidOperationException(s),
            };
            Assert.Equal(expectedOutcome, outcome);
            if (outcome == AlignmentOutcome.Skipped)
            {
                Assert.All(aligned, v => Assert.Equal(-12345f, v)); // untouched
                continue;
            }
            for (var j = 0; j < size; j++)
            {
                Assert.True(float.IsFinite(aligned[j]));
                worst = Math.Max(worst, Math.Abs(aligned[j] - k.Expected[i * size + j]));
            }
            for (var j = 0; j < n * n; j++)
                worstMatrix = Math.Max(worstMatrix, Math.Abs(ea.Matrix[j] - k.Matrices[i * n * n + j]) / Math.Max(1, Math.Abs(k.Matrices[i * n * n + j])));
        }
        output.WriteLine($"{name}: {k.Count} windows of {n} x {t}, largest |C# - Python| {worst:E2} (aligned values), {worstMatrix:E2} (R^-1/2, relative)");
        Assert.True(worst <= g.Tolerance, $"{name}: largest |C# - Python| of an aligned value is {worst:E2}, above {g.Tolerance:E0}");
        Assert.True(worstMatrix <= 1e-6, $"{name}: largest relative difference of R^-1/2 is {worstMatrix:E2}");
        Assert.Equal(k.Accepted, ea.Accepted);
        Assert.Equal(k.Skipped, ea.Skipped);
        Assert.Equal(k.Guarded, ea.Guarded);
    }

    // Windows of a random correlated process, with flat channels, copied channels, all-zero windows and wild scales.
    private sealed record Stream(int Channels, int Samples, float[][] Windows, int[] Flat, double Warmup, double Floor, bool WithReference);

    private static readonly Gen<Stream> Streams =
        from channels in Gen.Int[1, 12]
        from samples in Gen.Int[1, 40]
        from count in Gen.Int[1, 12]
        from seed in Gen.Int
        from scale in Gen.OneOf(1e-12, 1e-6, 1.0, 1e6, 1e15)
        from flat in Gen.Int[0, channels - 1].Array[0, 3]
        from copies in Gen.Int[0, channels - 1].Array[0, 3]
        from zeros in Gen.Int[0, count - 1].Array[0, 3]
        from rank1 in Gen.Bool
        from warmup in Gen.OneOf(0.0, 1.0, 20.0)
        from floor in Gen.OneOf(1e-12, 1e-6, 1e-3, 1.0)
        from withReference in Gen.Bool
        select Make(channels, samples, count, seed, scale, flat, copies, zeros, rank1, warmup, floor, withReference);

    private static Stream Make(int channels, int samples, int count, int seed, double scale, int[] flat, int[] copies, int[] zeros, bool rank1, double warmup, double floor, bool withReference)
    {
        var rng = new Random(seed);
        var windows = new float[count][];
        for (var i = 0; i < count; i++)
        {
            var x = new float[channels * samples];
            for (var j = 0; j < x.Length; j++) x[j] = (float)((rng.NextDouble() * 2 - 1) * scale);
            foreach (var c in copies) x.AsSpan(0, samples).CopyTo(x.AsSpan(c * samples, samples));
            if (rank1) for (var c = 1; c < channels; c++) x.AsSpan(0, samples).CopyTo(x.AsSpan(c * samples, samples));
            foreach (var c in flat) x.AsSpan(c * samples, samples).Clear();
            windows[i] = x;
        }
        foreach (var z in zeros) Array.Clear(windows[z]);
        return new Stream(channels, samples, windows, flat.Distinct().ToArray(), warmup, floor, withReference);
    }

    [Fact]
    public void Flat_channels_singular_covariances_and_zero_windows_never_give_a_non_finite_value()
    {
        Streams.Sample(s =>
        {
            var reference = s.WithReference ? Diagonal(s.Channels, 2.0) : [];
            var ea = new OnlineEuclideanAlignment(s.Channels, reference, s.Warmup, s.Floor);
            var output = new float[s.Channels * s.Samples];
            foreach (var w in s.Windows)
            {
                var outcome = ea.Align(w, output, s.Samples);
                Assert.NotEqual(AlignmentOutcome.Skipped, outcome);
                Assert.All(output, v => Assert.True(float.IsFinite(v)));
                foreach (var m in ea.Matrix) Assert.True(double.IsFinite(m));
                // Without a reference a flat channel is a zero row and column of R, so R^-1/2 keeps it at 0 (up to the
                // eigensolver's rounding, amplified at most by the floor: aligned values are of order 1).
                if (!(s.WithReference && s.Warmup > 0))
                    foreach (var c in s.Flat)
                        Assert.All(output.AsSpan(c * s.Samples, s.Samples).ToArray(), v => Assert.True(Math.Abs(v) <= 1e-6, $"flat channel {c} gave {v}"));
            }
            Assert.Equal(s.Windows.Length, ea.Accepted);
        }, iter: 400);
    }

    [Fact]
    public void A_non_finite_window_is_skipped_and_counted_and_changes_nothing()
    {
        const int C = 3, T = 16;
        var rng = new Random(4);
        float[] Window() => Enumerable.Range(0, C * T).Select(_ => (float)rng.NextDouble()).ToArray();
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var ea = new OnlineEuclideanAlignment(C);
            var output = new float[C * T];
            Assert.Equal(AlignmentOutcome.Aligned, ea.Align(Window(), output, T));
            var before = ea.Matrix.ToArray();
            var weight = ea.Weight;
            var broken = Window();
            broken[7] = bad;
            output.AsSpan().Fill(3f);
            Assert.Equal(AlignmentOutcome.Skipped, ea.Align(broken, output, T));
            Assert.All(output, v => Assert.Equal(3f, v));
            Assert.Equal(before, ea.Matrix.ToArray());
            Assert.Equal(weight, ea.Weight);
            Assert.Equal(1, ea.Skipped);
            Assert.False(ea.Accumulate(broken, T));
            Assert.Equal(2, ea.Skipped);
            Assert.False(ea.AlignWithCurrent(broken, output, T));
        }
    }

    [Fact]
    public void An_all_zero_start_is_guarded_with_the_identity_then_the_last_good_matrix()
    {
        const int C = 2, T = 4;
        var ea = new OnlineEuclideanAlignment(C);
        var output = new float[C * T];
        Assert.Equal(AlignmentOutcome.Guarded, ea.Align(new float[C * T], output, T));
        Assert.Equal(new double[] { 1, 0, 0, 1 }, ea.Matrix.ToArray());
        Assert.All(output, v => Assert.Equal(0f, v));
        // Channel 0 at power 4, channel 1 at power 1; the running mean over 2 windows halves both.
        float[] x = [2, -2, 2, -2, 1, 1, -1, -1];
        Assert.Equal(AlignmentOutcome.Aligned, ea.Align(x, output, T));
        Assert.Equal(1 / Math.Sqrt(2), ea.Matrix[0], 12);
        Assert.Equal(0, ea.Matrix[1], 12);
        Assert.Equal(Math.Sqrt(2), ea.Matrix[3], 12);
        Assert.Equal(2 / Math.Sqrt(2), output[0], 6);
        Assert.Equal(Math.Sqrt(2), output[4], 6);
        Assert.Equal(1, ea.Guarded);
        Assert.Equal(2, ea.Accepted);
    }

    [Fact]
    public void A_population_reference_is_weighted_as_warmup_windows()
    {
        // P = 4·I with w0 = 3 and one window of covariance diag(8, 0): R = (3·4·I + diag(8, 0)) / 4 = diag(5, 3).
        var ea = new OnlineEuclideanAlignment(2, Diagonal(2, 4), warmup: 3);
        float[] x = [2, -2, 2, -2, 2, -2, 2, -2, 0, 0, 0, 0, 0, 0, 0, 0];
        x = x.Select((v, i) => i < 8 ? v * (float)Math.Sqrt(2) : v).ToArray();
        var output = new float[x.Length];
        Assert.Equal(AlignmentOutcome.Aligned, ea.Align(x, output, 8));
        var r = new double[4];
        Assert.True(ea.CopyReference(r));
        Assert.Equal(5, r[0], 5);
        Assert.Equal(3, r[3], 5);
        Assert.Equal(1 / Math.Sqrt(5), ea.Matrix[0], 6);
        Assert.Equal(1 / Math.Sqrt(3), ea.Matrix[3], 6);
        Assert.Equal(4, ea.Weight);
    }

    [Fact]
    public void Seeding_replaces_the_reference_and_reset_returns_to_the_seed()
    {
        var ea = new OnlineEuclideanAlignment(2, Diagonal(2, 100), warmup: 50);
        ea.Seed(Diagonal(2, 4), 10);
        Assert.Equal(10, ea.Weight);
        var output = new float[2 * 4];
        ea.Align([1, 1, 1, 1, 1, 1, 1, 1], output, 4);
        Assert.Equal(11, ea.Weight);
        ea.Reset();
        Assert.Equal(10, ea.Weight);
        var r = new double[4];
        ea.CopyReference(r);
        Assert.Equal(Diagonal(2, 4), r);
        Assert.Equal(new double[] { 1, 0, 0, 1 }, ea.Matrix.ToArray());
    }

    [Fact]
    public void Aligning_with_the_current_matrix_adds_nothing()
    {
        var ea = new OnlineEuclideanAlignment(2);
        var output = new float[8];
        ea.Align([1, -1, 1, -1, 3, 3, -3, -3], output, 4);
        var weight = ea.Weight;
        var accepted = ea.Accepted;
        Assert.True(ea.AlignWithCurrent([2, 2, 2, 2, 3, 3, 3, 3], output, 4));
        Assert.Equal(weight, ea.Weight);
        Assert.Equal(accepted, ea.Accepted);
        Assert.Equal(2f, output[0], 5);
        Assert.Equal(1f, output[4], 5);
    }

    [Fact]
    public void Aligned_windows_of_a_steady_source_have_identity_mean_covariance()
    {
        const int C = 6, T = 200;
        var rng = new Random(11);
        var mix = new double[C * C];
        for (var i = 0; i < mix.Length; i++) mix[i] = rng.NextDouble() * 2 - 1 + (i % (C + 1) == 0 ? 2 : 0);
        var ea = new OnlineEuclideanAlignment(C);
        var output = new float[C * T];
        var mean = new double[C * C];
        const int windows = 400, counted = 100;
        for (var w = 0; w < windows; w++)
        {
            var x = new float[C * T];
            var z = new double[C];
            for (var t = 0; t < T; t++)
            {
                for (var c = 0; c < C; c++) z[c] = rng.NextDouble() * 2 - 1;
                for (var r = 0; r < C; r++)
                {
                    double acc = 0;
                    for (var c = 0; c < C; c++) acc += mix[r * C + c] * z[c];
                    x[r * T + t] = (float)acc;
                }
            }
            ea.Align(x, output, T);
            if (w < windows - counted) continue;
            for (var i = 0; i < C; i++)
                for (var j = 0; j < C; j++)
                {
                    double acc = 0;
                    for (var t = 0; t < T; t++) acc += output[i * T + t] * output[j * T + t];
                    mean[i * C + j] += acc / T / counted;
                }
        }
        for (var i = 0; i < C; i++)
            for (var j = 0; j < C; j++)
                Assert.True(Math.Abs(mean[i * C + j] - (i == j ? 1 : 0)) < 0.05, $"[{i},{j}] = {mean[i * C + j]}");
    }

    [Theory]
    [InlineData(22, 480)]
    [InlineData(64, 480)]
    public void Aligning_a_window_allocates_nothing_in_steady_state(int channels, int samples)
    {
        var rng = new Random(2);
        var x = Enumerable.Range(0, channels * samples).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var output = new float[x.Length];
        var ea = new OnlineEuclideanAlignment(channels, Diagonal(channels, 0.1), warmup: 20);
        // Both paths warmed up first: a method's first call (JIT) allocates on the calling thread.
        for (var i = 0; i < 3; i++)
        {
            ea.Align(x, output, samples);
            ea.AlignWithCurrent(x, output, samples);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5; i++)
        {
            ea.Align(x, output, samples);
            ea.AlignWithCurrent(x, output, samples);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnlineEuclideanAlignment(2, eigenFloor: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnlineEuclideanAlignment(2, Diagonal(2, 1), warmup: -1));
        Assert.Contains("not symmetric", Assert.Throws<ArgumentException>(() => new OnlineEuclideanAlignment(2, [1, 2, 3, 1], 5)).Message);
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => new OnlineEuclideanAlignment(2, [1, 0, 0, double.NaN], 5)).Message);
        Assert.Contains("4 values", Assert.Throws<ArgumentException>(() => new OnlineEuclideanAlignment(2, [1, 0, 0], 5)).Message);
        var ea = new OnlineEuclideanAlignment(2);
        Assert.Throws<ArgumentException>(() => ea.Align(new float[6], new float[8], 4));
        Assert.Throws<ArgumentException>(() => ea.Align(new float[8], new float[6], 4));
    }

    private static double[] Diagonal(int n, double value)
    {
        var d = new double[n * n];
        for (var i = 0; i < n; i++) d[i * n + i] = value;
        return d;
    }
}
