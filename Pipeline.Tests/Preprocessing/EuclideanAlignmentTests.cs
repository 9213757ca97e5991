using MathNet.Numerics.LinearAlgebra;
using Pipeline.Core.Preprocessing;

namespace Pipeline.Tests.Preprocessing;

public class EuclideanAlignmentTests
{
    private static float[][] RandomWindows(int count, int channels, int samples, int seed)
    {
        var rng = new Random(seed);
        // Correlated channels: mix independent noise through a random matrix so R is far from identity.
        var mix = new double[channels, channels];
        for (var i = 0; i < channels; i++) for (var j = 0; j < channels; j++) mix[i, j] = rng.NextDouble() * 2 - 1 + (i == j ? 2 : 0);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var src = new double[channels, samples];
            for (var i = 0; i < channels; i++) for (var t = 0; t < samples; t++) src[i, t] = rng.NextDouble() * 2 - 1;
            var x = new float[channels * samples];
            for (var i = 0; i < channels; i++)
                for (var t = 0; t < samples; t++)
                {
                    double acc = 0;
                    for (var j = 0; j < channels; j++) acc += mix[i, j] * src[j, t];
                    x[i * samples + t] = (float)acc;
                }
            return x;
        }).ToArray();
    }

    [Fact]
    public void Aligned_reference_windows_have_identity_mean_covariance()
    {
        const int C = 6, T = 200;
        var windows = RandomWindows(20, C, T, 3);
        var ea = EuclideanAlignment.FromWindows(windows, C, T);
        var mean = Matrix<double>.Build.Dense(C, C);
        foreach (var w in windows)
        {
            var aligned = new float[C * T];
            ea.Apply(w, aligned, T);
            var m = Matrix<double>.Build.Dense(C, T, (i, j) => aligned[i * T + j]);
            mean += m * m.Transpose() / T / windows.Length;
        }
        for (var i = 0; i < C; i++)
            for (var j = 0; j < C; j++)
                Assert.Equal(i == j ? 1.0 : 0.0, mean[i, j], 3);
    }

    [Fact]
    public void In_place_and_out_of_place_agree_and_matrix_is_symmetric()
    {
        const int C = 5, T = 64;
        var windows = RandomWindows(8, C, T, 9);
        var ea = EuclideanAlignment.FromWindows(windows, C, T);
        for (var i = 0; i < C; i++) for (var j = 0; j < C; j++) Assert.Equal(ea.Matrix[i * C + j], ea.Matrix[j * C + i], 4);
        var a = new float[C * T];
        ea.Apply(windows[0], a, T);
        var b = (float[])windows[0].Clone();
        ea.ApplyInPlace(b, T);
        for (var k = 0; k < a.Length; k++) Assert.Equal(a[k], b[k], 3);
    }

    [Fact]
    public void Singular_reference_is_a_clear_error()
    {
        var r = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 1 }, { 1, 1 } });
        var e = Assert.Throws<Pipeline.Core.Signals.PipelineException>(() => EuclideanAlignment.FromReferenceCovariance(r));
        Assert.Contains("singular", e.Message);
    }
}
