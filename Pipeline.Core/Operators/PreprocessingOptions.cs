using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>
/// What <see cref="SignalPreparation.Preprocess(IObservable{SignalChunk}, PreprocessingOptions)"/> does to a stream
/// before it is cut into windows, in this order: channel selection, resampling, notch, band-pass.
/// </summary>
public sealed record PreprocessingOptions
{
    /// <summary>Channels to keep, in this order, by label (tolerant spelling, see <see cref="ChannelLabels.Resolve"/>); null keeps all.</summary>
    public IReadOnlyList<string>? Channels { get; init; }
    /// <summary>Resample to this rate, Hz (a stream already at it passes unchanged); null: no resampling.</summary>
    public double? ResampleTo { get; init; }
    /// <summary>Notch frequency, Hz (mains, 50 or 60); 0: none.</summary>
    public double NotchHz { get; init; }
    /// <summary>Band-pass edges, Hz; null: none.</summary>
    public (double Low, double High)? Band { get; init; }
    /// <summary>Butterworth order per band edge.</summary>
    public int FilterOrder { get; init; } = 4;

    /// <summary>
    /// What a model card asks for: its channels in its order, its rate, its notch and its band (as in training).
    /// Use <c>with</c> to change any of them.
    /// </summary>
    public static PreprocessingOptions FromCard(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return new PreprocessingOptions
        {
            Channels = card.Channels,
            ResampleTo = card.Rate,
            NotchHz = card.Preprocessing.Notch ?? 0,
            Band = card.Preprocessing.Band is [{ } low, { } high] ? (low, high) : null,
        };
    }

    /// <summary>The rate after preprocessing for a stream at <paramref name="inputRate"/> Hz.</summary>
    public double RateFor(double inputRate) => ResampleTo ?? inputRate;

    /// <summary>Throws one clear error when these settings cannot work on <paramref name="stream"/> (a missing channel, a band above Nyquist).</summary>
    public void Check(StreamDescription stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var rate = RateFor(stream.NominalRate);
        if (!(rate > 0))
            throw new PipelineException($"The stream '{stream.Name}' has no regular sampling rate, so it cannot be filtered or cut into windows; pick a signal stream.");
        if (Channels is not null) ChannelLabels.Resolve(stream.ChannelLabels, Channels);
        if (Band is { } b && !(b.Low < b.High && b.High < rate / 2))
            throw new PipelineException($"The band {b.Low:G}-{b.High:G} Hz does not fit a stream at {rate:G} Hz (it must rise and stay below {rate / 2:G} Hz); choose another --band.");
        if (!(NotchHz >= 0)) throw new PipelineException($"The notch frequency {NotchHz:G} Hz is negative; give 50, 60 or 0 for none.");
    }
}
