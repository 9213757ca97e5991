namespace Pipeline.Core.LinearAlgebra;

/// <summary>
/// Eigenvalues and eigenvectors of a real symmetric matrix of a fixed size: Householder reduction to tridiagonal form,
/// then the implicit QL algorithm with Wilkinson-style shifts (the EISPACK tred2/tql2 scheme). All work happens in
/// buffers made once, so a decomposition per window allocates nothing (MathNet's <c>Evd</c> allocates its matrices on
/// every call). Double precision throughout.
/// </summary>
internal sealed class SymmetricEigensolver
{
    // QL sweeps per eigenvalue before giving up; converged matrices need 1-3, so 60 only stops a pathological input.
    private const int MaxIterations = 60;
    private readonly double[] _v;
    private readonly double[] _d;
    private readonly double[] _e;

    /// <summary>A solver for <paramref name="size"/> x <paramref name="size"/> matrices.</summary>
    public SymmetricEigensolver(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Size = size;
        _v = new double[size * size];
        _d = new double[size];
        _e = new double[size];
    }

    /// <summary>Rows (and columns) of the matrices this solver takes.</summary>
    public int Size { get; }

    /// <summary>The eigenvalues of the last decomposition (not sorted).</summary>
    public ReadOnlySpan<double> Values => _d;

    /// <summary>The eigenvectors of the last decomposition, row-major: column i (<c>Vectors[k * Size + i]</c>) belongs to <c>Values[i]</c>.</summary>
    public ReadOnlySpan<double> Vectors => _v;

    /// <summary>
    /// Decomposes the symmetric matrix <paramref name="matrix"/> (row-major, Size x Size; only symmetric input gives
    /// meaningful results). Returns false when the QL iteration did not converge or a value is not finite (non-finite
    /// input, for instance); the buffers then hold no usable decomposition.
    /// </summary>
    public bool Decompose(ReadOnlySpan<double> matrix)
    {
        if (matrix.Length != _v.Length)
            throw new ArgumentException($"A {Size} x {Size} matrix has {_v.Length} values, not {matrix.Length}.", nameof(matrix));
        matrix.CopyTo(_v);
        Tridiagonalise();
        if (!Diagonalise()) return false;
        foreach (var x in _d)
            if (!double.IsFinite(x)) return false;
        return true;
    }

    // Householder reduction: on return _d is the diagonal, _e[1..] the subdiagonal, _v the orthogonal transformation.
    private void Tridiagonalise()
    {
        int n = Size;
        var v = _v;
        var d = _d;
        var e = _e;
        for (var j = 0; j < n; j++) d[j] = v[(n - 1) * n + j];
        for (var i = n - 1; i > 0; i--)
        {
            // Scale the row to avoid under- and overflow in the Householder vector.
            var scale = 0.0;
            var h = 0.0;
            for (var k = 0; k < i; k++) scale += Math.Abs(d[k]);
            if (scale == 0.0)
            {
                e[i] = d[i - 1];
                for (var j = 0; j < i; j++)
                {
                    d[j] = v[(i - 1) * n + j];
                    v[i * n + j] = 0.0;
                    v[j * n + i] = 0.0;
                }
            }
            else
            {
                for (var k = 0; k < i; k++)
                {
                    d[k] /= scale;
                    h += d[k] * d[k];
                }
                var f = d[i - 1];
                var g = Math.Sqrt(h);
                if (f > 0) g = -g;
                e[i] = scale * g;
                h -= f * g;
                d[i - 1] = f - g;
                for (var j = 0; j < i; j++) e[j] = 0.0;
                // w = A u / h, accumulated from the lower triangle.
                for (var j = 0; j < i; j++)
                {
                    f = d[j];
                    v[j * n + i] = f;
                    g = e[j] + v[j * n + j] * f;
                    for (var k = j + 1; k <= i - 1; k++)
                    {
                        g += v[k * n + j] * d[k];
                        e[k] += v[k * n + j] * f;
                    }
                    e[j] = g;
                }
                f = 0.0;
                for (var j = 0; j < i; j++)
                {
                    e[j] /= h;
                    f += e[j] * d[j];
                }
                var hh = f / (h + h);
                for (var j = 0; j < i; j++) e[j] -= hh * d[j];
                // A <- A - u q^T - q u^T on the lower triangle.
                for (var j = 0; j < i; j++)
                {
                    f = d[j];
                    g = e[j];
                    for (var k = j; k <= i - 1; k++) v[k * n + j] -= f * e[k] + g * d[k];
                    d[j] = v[(i - 1) * n + j];
                    v[i * n + j] = 0.0;
                }
            }
            d[i] = h;
        }
        // Accumulate the transformations into V.
        for (var i = 0; i < n - 1; i++)
        {
            v[(n - 1) * n + i] = v[i * n + i];
            v[i * n + i] = 1.0;
            var h = d[i + 1];
            if (h != 0.0)
            {
                for (var k = 0; k <= i; k++) d[k] = v[k * n + i + 1] / h;
                for (var j = 0; j <= i; j++)
                {
                    var g = 0.0;
                    for (var k = 0; k <= i; k++) g += v[k * n + i + 1] * v[k * n + j];
                    for (var k = 0; k <= i; k++) v[k * n + j] -= g * d[k];
                }
            }
            for (var k = 0; k <= i; k++) v[k * n + i + 1] = 0.0;
        }
        for (var j = 0; j < n; j++)
        {
            d[j] = v[(n - 1) * n + j];
            v[(n - 1) * n + j] = 0.0;
        }
        v[(n - 1) * n + n - 1] = 1.0;
        e[0] = 0.0;
    }

    // Implicit QL on the tridiagonal (_d, _e), rotations accumulated into _v.
    private bool Diagonalise()
    {
        int n = Size;
        var v = _v;
        var d = _d;
        var e = _e;
        for (var i = 1; i < n; i++) e[i - 1] = e[i];
        e[n - 1] = 0.0;
        var f = 0.0;
        var tst1 = 0.0;
        const double eps = 2.220446049250313e-16; // 2^-52, the spacing of doubles at 1
        for (var l = 0; l < n; l++)
        {
            tst1 = Math.Max(tst1, Math.Abs(d[l]) + Math.Abs(e[l]));
            // Find a negligible subdiagonal element; e[n-1] is 0, so m stops at n-1 at the latest.
            var m = l;
            while (m < n - 1 && !(Math.Abs(e[m]) <= eps * tst1)) m++;
            if (m > l)
            {
                var iterations = 0;
                do
                {
                    if (++iterations > MaxIterations || !double.IsFinite(tst1)) return false;
                    // Shift from the leading 2 x 2 block.
                    var g = d[l];
                    var p = (d[l + 1] - g) / (2.0 * e[l]);
                    var r = double.Hypot(p, 1.0);
                    if (p < 0) r = -r;
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    var dl1 = d[l + 1];
                    var h = g - d[l];
                    for (var i = l + 2; i < n; i++) d[i] -= h;
                    f += h;
                    // QL transformation, chasing the bulge from m up to l.
                    p = d[m];
                    var c = 1.0;
                    var c2 = c;
                    var c3 = c;
                    var el1 = e[l + 1];
                    var s = 0.0;
                    var s2 = 0.0;
                    for (var i = m - 1; i >= l; i--)
                    {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = double.Hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        for (var k = 0; k < n; k++)
                        {
                            var row = k * n;
                            h = v[row + i + 1];
                            v[row + i + 1] = s * v[row + i] + c * h;
                            v[row + i] = c * v[row + i] - s * h;
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.Abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0.0;
        }
        return true;
    }
}
