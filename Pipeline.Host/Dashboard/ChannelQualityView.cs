using Pipeline.Core.Quality;

namespace Pipeline.Host.Dashboard;

/// <summary>One channel's quality as JSON shows it (in <c>/status</c> and on the page): rounded, flags as words.</summary>
internal sealed record ChannelQualityView(string Channel, IReadOnlyList<string> Flags, double? StdUv, double? PeakUv, double? LineRatio, double LineHz, double? RailedFraction)
{
    /// <summary>The view of <paramref name="q"/>.</summary>
    public static ChannelQualityView Of(ChannelQuality q) =>
        new(q.Channel, q.FlagNames, Round(q.StdMicrovolts, 2), Round(q.PeakMicrovolts, 1), Round(q.LineNoiseRatio, 3), q.LineFrequency, Round(q.RailedFraction, 3));

    private static double? Round(double v, int digits) => double.IsFinite(v) ? Math.Round(v, digits) : null;
}
