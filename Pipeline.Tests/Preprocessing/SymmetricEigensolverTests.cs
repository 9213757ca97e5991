using CsCheck;
using MathNet.Numerics.LinearAlgebra;
using Pipeline.Core.LinearAlgebra;

namespace Pipeline.Tests.Preprocessing;

public class SymmetricEigensolverTests
{
    // Symmetric matrices B·D·Bᵀ with repeated, zero and negative eigenvalues, plus zero rows and huge or tiny scales.
    private static readonly Gen<(int N, double[] A)> Matrices =
        from n in Gen.Int[1, 24]
        from seed in Gen.Int
        from rank in Gen.Int[0, n]
        from repeat in Gen.Bool
        from negative in Gen.Bool
        from zeroRow in Gen.Int[-1, n - 1]
        from scale in Gen.OneOf(1e-20, 1e-8, 1.0, 1e8, 1e30)
        select (n, Make(n, seed, rank, repeat, negative, zeroRow, scale));

    private static double[] Make(int n, int seed, int rank, bool repeat, bool negative, int zeroRow, double scale)
    {
        var rng = new Random(seed);
        var b = Matrix<double>.Build.Dense(n, n, (_, _) => rng.NextDouble() * 2 - 1);
        var q = b.QR().Q;
        var d = Enumerable.Range(0, n).Select(i => i >= rank ? 0 : repeat ? 2.0 : rng.NextDouble() * 10 * (negative && i % 2 == 1 ? -1 : 1)).ToArray();
        var a = q * Matrix<double>.Build.DiagonalOfDiagonalArray(d) * q.Transpose() * scale;
        a = (a + a.Transpose()) / 2;
        if (zeroRow >= 0)
            for (var i = 0; i < n; i++) a[zeroRow, i] = a[i, zeroRow] = 0;
        var result = new double[n * n];
        for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) result[i * n + j] = a[i, j];
        return result;
    }

    [Fact]
    public void Decomposes_any_symmetric_matrix_into_orthonormal_vectors_and_its_eigenvalues()
    {
        Matrices.Sample(m =>
        {
            var (n, a) = m;
            var solver = new SymmetricEigensolver(n);
            Assert.True(solver.Decompose(a));
            var v = solver.Vectors;
            var l = solver.Values;
            var norm = Math.Max(a.Max(Math.Abs), double.Epsilon);
            // Vᵀ V = I and A V = V Λ, to a few hundred ulps of the matrix's size.
            for (var i = 0; i < n; i++)
                for (var j = 0; j < n; j++)
                {
                    double dot = 0, av = 0;
                    for (var k = 0; k < n; k++)
                    {
                        dot += v[k * n + i] * v[k * n + j];
                        av += a[i * n + k] * v[k * n + j];
                    }
                    Assert.True(Math.Abs(dot - (i == j ? 1 : 0)) < 1e-12 * n, $"VᵀV[{i},{j}] = {dot}");
                    Assert.True(Math.Abs(av - v[i * n + j] * l[j]) <= 1e-12 * n * norm, $"(AV - VΛ)[{i},{j}] = {av - v[i * n + j] * l[j]} at scale {norm}");
                }
            // The same eigenvalues as MathNet's decomposition.
            var reference = Matrix<double>.Build.Dense(n, n, (i, j) => a[i * n + j]).Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).Order().ToArray();
            var mine = l.ToArray().Order().ToArray();
            for (var i = 0; i < n; i++) Assert.True(Math.Abs(mine[i] - reference[i]) <= 1e-12 * n * norm, $"λ{i}: {mine[i]} vs {reference[i]}");
        }, iter: 300);
    }

    [Fact]
    public void The_zero_matrix_has_zero_eigenvalues_and_the_identity_as_vectors()
    {
        var solver = new SymmetricEigensolver(3);
        Assert.True(solver.Decompose(new double[9]));
        Assert.All(solver.Values.ToArray(), v => Assert.Equal(0, v));
        Assert.Equal(new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, solver.Vectors.ToArray());
    }

    [Fact]
    public void A_non_finite_matrix_is_reported_not_decomposed()
    {
        var solver = new SymmetricEigensolver(2);
        Assert.False(solver.Decompose([1, double.NaN, double.NaN, 1]));
        Assert.False(solver.Decompose([double.PositiveInfinity, 0, 0, 1]));
    }
}
