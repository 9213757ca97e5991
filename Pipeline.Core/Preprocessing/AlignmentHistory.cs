namespace Pipeline.Core.Preprocessing;

/// <summary>
/// The alignment matrices in force at the end of the last few sliding windows, by end time: an event-locked epoch is
/// aligned with the matrix of the last window that ended at or before the epoch's own end, even when later windows of
/// the same chunk were aligned first. Fixed capacity, allocation-free after construction.
/// </summary>
internal sealed class AlignmentHistory
{
    private readonly double[][] _matrices;
    private readonly double[] _times;
    private int _count;
    private int _next;

    public AlignmentHistory(int channels, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _matrices = new double[capacity][];
        for (var i = 0; i < capacity; i++) _matrices[i] = new double[channels * channels];
        _times = new double[capacity];
    }

    /// <summary>Entries held now.</summary>
    public int Count => _count;

    /// <summary>Records the matrix in force after the window that ended at <paramref name="endTime"/> (times must not fall).</summary>
    public void Record(double endTime, ReadOnlySpan<double> matrix)
    {
        matrix.CopyTo(_matrices[_next]);
        _times[_next] = endTime;
        _next = (_next + 1) % _times.Length;
        if (_count < _times.Length) _count++;
    }

    /// <summary>
    /// The matrix of the last window ending at or before <paramref name="endTime"/>; false (and the oldest held) when
    /// every window held ended later, or none is held (then an empty span).
    /// </summary>
    public bool TryFind(double endTime, out ReadOnlySpan<double> matrix)
    {
        for (var k = 1; k <= _count; k++)
        {
            var i = (_next - k + _times.Length) % _times.Length;
            if (_times[i] <= endTime)
            {
                matrix = _matrices[i];
                return true;
            }
        }
        matrix = _count == 0 ? ReadOnlySpan<double>.Empty : _matrices[(_next - _count + _times.Length) % _times.Length];
        return false;
    }

    /// <summary>Forgets every entry (a new stretch of signal).</summary>
    public void Clear()
    {
        _count = 0;
        _next = 0;
    }
}
