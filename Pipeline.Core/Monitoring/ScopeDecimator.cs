using Pipeline.Core.Signals;

namespace Pipeline.Core.Monitoring;

/// <summary>
/// Feeds a <see cref="DisplayRing"/> with a stream decimated for display: each run of <see cref="Factor"/> frames is
/// averaged into one (a boxcar, so the scope shows no aliased hum), timed at the run's last frame. Nothing is allocated
/// per chunk; a description change (other channels) is ignored rather than mixed in.
/// </summary>
public sealed class ScopeDecimator
{
    private readonly float[] _sum;
    private readonly DisplayRing _ring;
    private int _filled;

    /// <summary>A decimator of a <paramref name="channels"/>-channel stream at <paramref name="rate"/> Hz to at most <paramref name="maxDisplayRate"/> frames per second.</summary>
    public ScopeDecimator(int channels, double rate, double maxDisplayRate, DisplayRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (ring.Width != channels) throw new ArgumentException($"The ring holds {ring.Width} values per frame; the scope has {channels} channels.", nameof(ring));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDisplayRate);
        Channels = channels;
        Factor = Math.Max(1, (int)Math.Ceiling(rate / maxDisplayRate));
        DisplayRate = rate / Factor;
        _sum = new float[channels];
        _ring = ring;
    }

    /// <summary>Channels per frame.</summary>
    public int Channels { get; }
    /// <summary>Input frames per displayed frame.</summary>
    public int Factor { get; }
    /// <summary>Displayed frames per second.</summary>
    public double DisplayRate { get; }

    /// <summary>Adds a chunk (frame-major); writes a frame to the ring every <see cref="Factor"/> input frames.</summary>
    public void Process(SignalChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Channels != Channels) return;
        var samples = chunk.Samples;
        var stamps = chunk.TimestampSpan;
        var scale = 1f / Factor;
        for (var f = 0; f < chunk.Frames; f++)
        {
            var frame = samples.Slice(f * Channels, Channels);
            for (var c = 0; c < Channels; c++) _sum[c] += frame[c];
            if (++_filled < Factor) continue;
            for (var c = 0; c < Channels; c++) _sum[c] *= scale;
            _ring.Append(_sum, stamps[f]);
            Array.Clear(_sum);
            _filled = 0;
        }
    }
}
