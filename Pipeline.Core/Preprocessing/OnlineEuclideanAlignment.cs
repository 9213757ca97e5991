using System.Numerics.Tensors;
using Pipeline.Core.Inference;
using Pipeline.Core.LinearAlgebra;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Preprocessing;

/// <summary>
/// Online Euclidean alignment, the rule of models/README.md ("Online Euclidean alignment") that the Python reference
/// models/dbconformer/alignment.py implements: the session keeps the running mean of the covariances of the windows it
/// has seen (no labels), <c>R_n = (w0·P + Σ C_i) / (w0 + n)</c> with <c>C_i = X_i X_iᵀ / T</c>, adds each window
/// FIRST and then aligns it with <c>R_n^-1/2</c>, computed per window by a symmetric eigendecomposition whose
/// eigenvalues are floored at <c>eigenFloor · λmax</c>. P (a population or calibration reference) and its weight w0
/// cover the first windows. A person's covariance differs from the population's (which is why alignment helps at all),
/// so the reference adapts to whoever is being decoded.
/// </summary>
/// <remarks>
/// <para>Guards, so no NaN ever leaves: a window with a non-finite value is neither added nor aligned
/// (<see cref="AlignmentOutcome.Skipped"/>); when the reference has no usable eigenvalue (λmax ≤ 0 or not finite, e.g.
/// all-zero windows and no P), the window is aligned with the last good matrix, or the identity before any
/// (<see cref="AlignmentOutcome.Guarded"/>). A flat channel is a zero row and column of R: the floor keeps R^-1/2
/// finite and the channel stays 0.</para>
/// <para>Float64 arithmetic on float32 windows. After the first window of a given length nothing is allocated: the
/// covariance, the eigensolver and the product use buffers made once. One instance serves one session and is not
/// thread-safe.</para>
/// </remarks>
public sealed class OnlineEuclideanAlignment
{
    /// <summary>The eigenvalue floor (relative to λmax) when a card gives none.</summary>
    public const double DefaultEigenFloor = 1e-6;

    private readonly SymmetricEigensolver _solver;
    private readonly double[] _total;     // w0·P + Σ C_i
    private readonly double[] _reference; // R_n = total / weight (the solver's input)
    private readonly double[] _matrix;    // last good R^-1/2 (identity before any)
    private readonly double[] _scaled;    // V·diag(λ'^-1/2), the left factor of R^-1/2
    private readonly double[] _initialTotal; // where Reset returns to: w0·P, or the calibration's sum
    private double _initialWeight;
    private double[] _x = [];            // the window in float64, channels x samples
    private double[] _row = [];          // one output row in float64
    private double _weight;

    /// <summary>
    /// Starts the alignment. <paramref name="reference"/> is P (row-major, channels x channels, symmetric) or empty for
    /// none; <paramref name="warmup"/> is w0, the number of windows P counts as (ignored without P).
    /// </summary>
    /// <exception cref="ArgumentException">A size or value does not fit (see the message).</exception>
    public OnlineEuclideanAlignment(int channels, ReadOnlySpan<double> reference = default, double warmup = 0, double eigenFloor = DefaultEigenFloor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (!(eigenFloor > 0 && eigenFloor <= 1))
            throw new ArgumentOutOfRangeException(nameof(eigenFloor), eigenFloor, "The eigenvalue floor is a fraction of the largest eigenvalue, above 0 and at most 1.");
        if (!(warmup >= 0 && double.IsFinite(warmup)))
            throw new ArgumentOutOfRangeException(nameof(warmup), warmup, "The warm-up weight is a number of windows, 0 or more.");
        Channels = channels;
        EigenFloor = eigenFloor;
        _solver = new SymmetricEigensolver(channels);
        _total = new double[channels * channels];
        _reference = new double[channels * channels];
        _matrix = new double[channels * channels];
        _scaled = new double[channels * channels];
        if (!reference.IsEmpty && warmup > 0)
        {
            CheckReference(reference, nameof(reference));
            for (var i = 0; i < _total.Length; i++) _total[i] = warmup * reference[i];
            _weight = warmup;
        }
        for (var i = 0; i < channels; i++) _matrix[i * channels + i] = 1.0;
        _initialTotal = (double[])_total.Clone();
        _initialWeight = _weight;
    }

    /// <summary>The online alignment a card asks for (<c>preprocessing.alignment.mode = "online"</c>): its reference, warm-up weight and floor.</summary>
    /// <exception cref="PipelineException">The card does not ask for online alignment.</exception>
    public static OnlineEuclideanAlignment FromCard(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        if (card.Preprocessing.Alignment is not { IsOnline: true } a)
            throw new PipelineException($"The model '{card.Name}' does not ask for online alignment (its card's preprocessing.alignment.mode is not 'online').");
        var n = card.Channels.Count;
        var reference = a.Reference is { } p ? p.SelectMany(r => r).ToArray() : [];
        return new OnlineEuclideanAlignment(n, reference, reference.Length == 0 ? 0 : a.Warmup ?? 0, a.EigenFloor ?? DefaultEigenFloor);
    }

    /// <summary>Number of channels.</summary>
    public int Channels { get; }
    /// <summary>Eigenvalues below this fraction of the largest are raised to it before the inverse square root.</summary>
    public double EigenFloor { get; }
    /// <summary>The weight of the reference so far: w0 (or the calibration's window count) plus the windows added.</summary>
    public double Weight => _weight;
    /// <summary>Windows added to the reference (aligned or guarded).</summary>
    public long Accepted { get; private set; }
    /// <summary>Windows left out because they held a NaN or an infinity.</summary>
    public long Skipped { get; private set; }
    /// <summary>Windows aligned with the last good matrix because the reference had no usable eigenvalue.</summary>
    public long Guarded { get; private set; }
    /// <summary>The matrix in force: the last good R^-1/2 (row-major), the identity before any.</summary>
    public ReadOnlySpan<double> Matrix => _matrix;

    /// <summary>
    /// Starts from a calibration recording instead of the card's P: P := <paramref name="reference"/> (the calibration's
    /// mean window covariance), w0 := <paramref name="count"/> (its number of windows). Windows added so far are
    /// forgotten; the counters stay. <see cref="Reset"/> returns to this starting point.
    /// </summary>
    /// <exception cref="ArgumentException">The reference is not channels x channels, not finite or not symmetric, or the count is negative.</exception>
    public void Seed(ReadOnlySpan<double> reference, double count)
    {
        CheckReference(reference, nameof(reference));
        if (!(count >= 0 && double.IsFinite(count)))
            throw new ArgumentOutOfRangeException(nameof(count), count, "The calibration's window count is 0 or more.");
        for (var i = 0; i < _total.Length; i++) _total[i] = count * reference[i];
        _weight = count;
        _total.CopyTo(_initialTotal, 0);
        _initialWeight = count;
        RestoreIdentity();
    }

    /// <summary>Forgets the windows added since the start (or the last <see cref="Seed"/>), e.g. for a new person; the counters stay.</summary>
    public void Reset()
    {
        _initialTotal.CopyTo(_total, 0);
        _weight = _initialWeight;
        RestoreIdentity();
    }

    /// <summary>The reference R = (w0·P + Σ C_i) / (w0 + n) into <paramref name="destination"/> (channels x channels); false while its weight is 0.</summary>
    public bool CopyReference(Span<double> destination)
    {
        if (destination.Length != _total.Length)
            throw new ArgumentException($"The reference has {Channels} x {Channels} values, not {destination.Length}.", nameof(destination));
        if (!(_weight > 0)) return false;
        TensorPrimitives.Divide(_total, _weight, destination);
        return true;
    }

    /// <summary>
    /// Adds a window (channels x <paramref name="samples"/>, channel-major) to the reference without aligning it, as
    /// for the windows of a calibration recording. Returns false (and counts it skipped) when it holds a non-finite value.
    /// </summary>
    public bool Accumulate(ReadOnlySpan<float> window, int samples)
    {
        if (!Load(window, samples))
        {
            Skipped++;
            return false;
        }
        AddCovariance(samples);
        return true;
    }

    /// <summary>
    /// Adds the window to the reference, recomputes R^-1/2 and writes the aligned window into <paramref name="destination"/>
    /// (both channels x <paramref name="samples"/>, channel-major; they may be the same memory).
    /// </summary>
    /// <exception cref="ArgumentException">The window or destination does not hold channels x samples values.</exception>
    public AlignmentOutcome Align(ReadOnlySpan<float> window, Span<float> destination, int samples)
    {
        CheckDestination(destination, samples);
        if (!Load(window, samples))
        {
            Skipped++;
            return AlignmentOutcome.Skipped;
        }
        AddCovariance(samples);
        var outcome = Recompute() ? AlignmentOutcome.Aligned : AlignmentOutcome.Guarded;
        if (outcome == AlignmentOutcome.Guarded) Guarded++;
        Multiply(_matrix, destination, samples);
        return outcome;
    }

    /// <summary>
    /// Aligns a window with the matrix in force without adding it to the reference: for an event-locked epoch that
    /// overlaps the sliding windows already added. Returns false (destination untouched, nothing counted) when the
    /// window holds a non-finite value.
    /// </summary>
    public bool AlignWithCurrent(ReadOnlySpan<float> window, Span<float> destination, int samples) =>
        AlignWith(_matrix, window, destination, samples);

    /// <summary>
    /// Aligns a window with a given matrix (channels x channels, row-major; e.g. one this alignment was in force with
    /// earlier) without adding it to the reference. Returns false (destination untouched) when the window holds a
    /// non-finite value.
    /// </summary>
    public bool AlignWith(ReadOnlySpan<double> matrix, ReadOnlySpan<float> window, Span<float> destination, int samples)
    {
        if (matrix.Length != _matrix.Length)
            throw new ArgumentException($"An alignment matrix for {Channels} channels has {_matrix.Length} values, not {matrix.Length}.", nameof(matrix));
        CheckDestination(destination, samples);
        if (!Load(window, samples)) return false;
        Multiply(matrix, destination, samples);
        return true;
    }

    private void RestoreIdentity()
    {
        Array.Clear(_matrix);
        for (var i = 0; i < Channels; i++) _matrix[i * Channels + i] = 1.0;
    }

    private void CheckReference(ReadOnlySpan<double> reference, string name)
    {
        var n = Channels;
        if (reference.Length != n * n)
            throw new ArgumentException($"A reference for {n} channels has {n * n} values ({n} x {n}), not {reference.Length}.", name);
        for (var i = 0; i < n; i++)
            for (var j = 0; j <= i; j++)
            {
                double a = reference[i * n + j], b = reference[j * n + i];
                if (!double.IsFinite(a) || !double.IsFinite(b))
                    throw new ArgumentException($"The reference holds a non-finite value at [{i}, {j}].", name);
                if (Math.Abs(a - b) > 1e-6 * (Math.Abs(a) + Math.Abs(b)) + double.Epsilon)
                    throw new ArgumentException($"The reference is not symmetric: [{i}, {j}] is {a} but [{j}, {i}] is {b}.", name);
            }
    }

    private void CheckDestination(Span<float> destination, int samples)
    {
        if (destination.Length != Channels * samples)
            throw new ArgumentException($"The destination must hold {Channels} channels x {samples} samples, not {destination.Length} values.", nameof(destination));
    }

    // Copies the window into float64 (growing the buffers on a new length only); false when a value is not finite.
    private bool Load(ReadOnlySpan<float> window, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        if (window.Length != Channels * samples)
            throw new ArgumentException($"A window of {window.Length} values does not have {Channels} channels x {samples} samples.", nameof(window));
        // x - x is 0 for finite x and NaN for NaN or ±Inf, so one sum tells whether any value is not finite.
        var acc = 0f;
        foreach (var v in window) acc += v - v;
        if (acc != 0f) return false;
        if (_x.Length != window.Length)
        {
            _x = new double[window.Length];
            _row = new double[samples];
        }
        TensorPrimitives.ConvertChecked(window, _x.AsSpan());
        return true;
    }

    // total += X Xᵀ / T (upper triangle computed, mirrored: R stays exactly symmetric).
    private void AddCovariance(int samples)
    {
        var n = Channels;
        var x = _x.AsSpan();
        for (var i = 0; i < n; i++)
        {
            var xi = x.Slice(i * samples, samples);
            for (var j = i; j < n; j++)
            {
                var c = TensorPrimitives.Dot(xi, x.Slice(j * samples, samples)) / samples;
                _total[i * n + j] += c;
                if (j != i) _total[j * n + i] += c;
            }
        }
        _weight += 1.0;
        Accepted++;
    }

    // R^-1/2 of the current reference into _matrix; false (matrix kept) when the reference has no usable eigenvalue.
    private bool Recompute()
    {
        if (!(_weight > 0)) return false;
        var n = Channels;
        TensorPrimitives.Divide(_total, _weight, _reference);
        if (!_solver.Decompose(_reference)) return false;
        var values = _solver.Values;
        var top = TensorPrimitives.Max(values);
        if (!(top > 0) || !double.IsFinite(top)) return false;
        var floor = EigenFloor * top;
        var vectors = _solver.Vectors;
        // M = V diag(λ'^-1/2) Vᵀ: scale V's columns, then one product with Vᵀ (symmetric, so only the upper triangle).
        for (var k = 0; k < n; k++)
            for (var i = 0; i < n; i++)
                _scaled[k * n + i] = vectors[k * n + i] / Math.Sqrt(Math.Max(values[i], floor));
        for (var r = 0; r < n; r++)
        {
            var a = _scaled.AsSpan(r * n, n);
            for (var c = r; c < n; c++)
            {
                var m = TensorPrimitives.Dot<double>(a, vectors.Slice(c * n, n));
                _matrix[r * n + c] = m;
                _matrix[c * n + r] = m;
            }
        }
        return true;
    }

    // destination = M · X, accumulated row by row in float64 and rounded once to float32.
    private void Multiply(ReadOnlySpan<double> matrix, Span<float> destination, int samples)
    {
        var n = Channels;
        var x = _x.AsSpan();
        var row = _row.AsSpan();
        for (var r = 0; r < n; r++)
        {
            row.Clear();
            for (var c = 0; c < n; c++)
            {
                var k = matrix[r * n + c];
                if (k == 0.0) continue;
                TensorPrimitives.MultiplyAdd(x.Slice(c * samples, samples), k, row, row);
            }
            TensorPrimitives.ConvertTruncating(row, destination.Slice(r * samples, samples));
        }
    }
}
