using MathNet.Numerics.LinearAlgebra;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Preprocessing;

/// <summary>
/// Euclidean alignment (He and Wu, 2019): every window X (channels x samples) becomes W·X with W = R^-1/2, where R
/// is the mean spatial covariance of the reference (training) windows. It whitens the session's average covariance
/// so a decoder trained on other sessions sees data on the same scale. Applied per window exactly as in training.
/// </summary>
public sealed class EuclideanAlignment
{
    private readonly float[] _matrix;
    private readonly float[] _scratch;

    /// <summary>Uses a given W = R^-1/2 (row-major, channels x channels), e.g. from a model card.</summary>
    public EuclideanAlignment(float[] matrix, int channels)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.Length != channels * channels)
            throw new ArgumentException($"An alignment matrix for {channels} channels needs {channels * channels} values, not {matrix.Length}.", nameof(matrix));
        Channels = channels;
        _matrix = (float[])matrix.Clone();
        _scratch = new float[channels];
    }

    /// <summary>Number of channels.</summary>
    public int Channels { get; }

    /// <summary>W = R^-1/2 (row-major).</summary>
    public ReadOnlySpan<float> Matrix => _matrix;

    /// <summary>Builds the alignment from a reference covariance R (symmetric positive definite) through MathNet's eigendecomposition.</summary>
    public static EuclideanAlignment FromReferenceCovariance(Matrix<double> reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.RowCount != reference.ColumnCount)
            throw new ArgumentException("The reference covariance must be square.", nameof(reference));
        var evd = reference.Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Real();
        var max = values.Maximum();
        if (!(values.Minimum() > max * 1e-12))
            throw new PipelineException("The reference covariance for Euclidean alignment is singular (a flat or duplicated channel?); remove that channel or record more calibration data.");
        var inverseSqrt = evd.EigenVectors * Matrix<double>.Build.DiagonalOfDiagonalVector(values.Map(v => 1.0 / Math.Sqrt(v))) * evd.EigenVectors.Transpose();
        var n = reference.RowCount;
        var w = new float[n * n];
        for (var r = 0; r < n; r++)
            for (var c = 0; c < n; c++)
                w[r * n + c] = (float)inverseSqrt[r, c];
        return new EuclideanAlignment(w, n);
    }

    /// <summary>Builds the alignment from reference windows (each channels x samples, channel-major): R = mean of X·Xᵀ/samples.</summary>
    public static EuclideanAlignment FromWindows(IEnumerable<float[]> windows, int channels, int samples)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var r = Matrix<double>.Build.Dense(channels, channels);
        var count = 0;
        foreach (var x in windows)
        {
            var m = Matrix<double>.Build.Dense(channels, samples, (i, j) => x[i * samples + j]);
            r += m * m.Transpose() / samples;
            count++;
        }
        if (count == 0) throw new PipelineException("Euclidean alignment needs at least one reference window; record calibration trials first.");
        return FromReferenceCovariance(r / count);
    }

    /// <summary>Aligns a window in place: <c>X ← W·X</c>, column by column (allocation-free).</summary>
    public void ApplyInPlace(Span<float> window, int samples)
    {
        var n = Channels;
        if (window.Length != n * samples)
            throw new ArgumentException($"A window of {window.Length} values does not have {n} channels x {samples} samples.", nameof(window));
        var w = _matrix.AsSpan();
        var col = _scratch.AsSpan();
        for (var t = 0; t < samples; t++)
        {
            for (var c = 0; c < n; c++) col[c] = window[c * samples + t];
            for (var r = 0; r < n; r++)
            {
                var row = w.Slice(r * n, n);
                var acc = 0f;
                for (var c = 0; c < n; c++) acc += row[c] * col[c];
                window[r * samples + t] = acc;
            }
        }
    }

    /// <summary>Aligns <paramref name="source"/> into <paramref name="destination"/> (both channels x samples; they must not overlap).</summary>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, int samples)
    {
        var n = Channels;
        if (source.Length != n * samples || destination.Length != n * samples)
            throw new ArgumentException($"Windows must have {n} channels x {samples} samples.");
        destination.Clear();
        var w = _matrix.AsSpan();
        // Row-major accumulation: destination row r += W[r,c] * source row c; contiguous rows vectorise well.
        for (var r = 0; r < n; r++)
        {
            var dst = destination.Slice(r * samples, samples);
            for (var c = 0; c < n; c++)
            {
                var k = w[r * n + c];
                if (k == 0f) continue;
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(source.Slice(c * samples, samples), k, dst, dst);
            }
        }
    }
}
