using System.Numerics.Tensors;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Features;

/// <summary>
/// Per-channel log10 mean power of a window in the time domain. On a band-passed window this is the band power of
/// that band (Parseval) at a fraction of an FFT's cost — the log-variance feature of classical motor-imagery BCIs.
/// </summary>
public static class SignalPower
{
    /// <summary>Writes log10(mean of x²) of every channel of <paramref name="window"/> into <paramref name="output"/>.</summary>
    public static void LogMeanSquare(Window window, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (output.Length < window.Channels)
            throw new ArgumentException($"The output holds {output.Length} values but the window has {window.Channels} channels.", nameof(output));
        for (var c = 0; c < window.Channels; c++)
        {
            var power = TensorPrimitives.SumOfSquares<float>(window.Channel(c)) / window.Samples;
            output[c] = MathF.Log10(MathF.Max(power, 1e-30f));
        }
    }
}
