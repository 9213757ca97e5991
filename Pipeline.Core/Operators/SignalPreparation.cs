using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>
/// The preprocessing a decoder needs, built in one place: channel selection, resampling, notch and band-pass, each
/// the stateful operator of its own (filter state and resampler history carry across chunks; nothing is allocated
/// per sample). The output chunk is reused (see <see cref="Snapshots"/>).
/// </summary>
public static class SignalPreparation
{
    /// <summary>Selects, resamples, notches and band-passes as <paramref name="options"/> say (each step only where set).</summary>
    public static IObservable<SignalChunk> Preprocess(this IObservable<SignalChunk> source, PreprocessingOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var s = source;
        if (options.Channels is not null) s = s.SelectChannels(options.Channels);
        if (options.ResampleTo is { } rate) s = s.Resample(rate);
        if (options.NotchHz > 0) s = s.Notch(options.NotchHz);
        if (options.Band is { } band) s = s.BandPass(band.Low, band.High, options.FilterOrder);
        return s;
    }

    /// <summary>The preprocessing <paramref name="card"/> asks for (<see cref="PreprocessingOptions.FromCard"/>).</summary>
    public static IObservable<SignalChunk> Preprocess(this IObservable<SignalChunk> source, ModelCard card) =>
        source.Preprocess(PreprocessingOptions.FromCard(card));
}
