using System.Diagnostics.Metrics;
using Pipeline.Core.Evaluation;

namespace Pipeline.Host.Service;

/// <summary>
/// The service's OpenTelemetry instruments, observed at scrape time from the sessions' counters (nothing is
/// recorded on the sessions' paths but the latency histogram, once per window): windows, commands, drops, gaps and frames per session, and latency quantiles.
/// </summary>
internal sealed class ServiceMetrics : IDisposable
{
    /// <summary>The meter name to export.</summary>
    public const string MeterName = "Pipeline.Service";

    private readonly Meter _meter;

    /// <summary>Creates the instruments over <paramref name="host"/>'s sessions.</summary>
    public ServiceMetrics(IMeterFactory meters, SessionHost host)
    {
        _meter = meters.Create(MeterName);
        IEnumerable<Measurement<long>> Each(Func<ServiceSession, long> value) =>
            host.Sessions.Select(s => new Measurement<long>(value(s), new KeyValuePair<string, object?>("session", s.Id)));
        IEnumerable<Measurement<double>> Latency(double q) => host.Sessions
            .Select(s => (s, v: s.Counters.LatencyQuantile(q)))
            .Where(x => x.v is not null)
            .Select(x => new Measurement<double>(x.v!.Value, new KeyValuePair<string, object?>("session", x.s.Id)));
        _meter.CreateObservableCounter("pipeline.session.windows", () => Each(s => s.Counters.Windows), "{window}", "Windows cut.");
        _meter.CreateObservableCounter("pipeline.session.commands", () => Each(s => s.Counters.Commands), "{command}", "Commands decided.");
        _meter.CreateObservableCounter("pipeline.session.drops", () => Each(s => s.Drops), "{window}", "Windows dropped because inference fell behind.");
        _meter.CreateObservableCounter("pipeline.session.alignment.guarded", () => Each(s => s.Guarded), "{window}", "Windows online alignment aligned with its last good matrix (no usable reference yet).");
        _meter.CreateObservableCounter("pipeline.session.gaps", () => Each(s => s.Counters.Gaps), "{gap}", "Gaps in the input.");
        _meter.CreateObservableCounter("pipeline.session.frames", () => Each(s => s.Counters.Frames), "{frame}", "Frames received.");
        _meter.CreateObservableGauge("pipeline.session.failed", () => Each(s => s.State == SessionState.Failed ? 1 : 0), null, "1 while the session is stopped by a failure (its reason is in /status and /health).");
        _meter.CreateObservableGauge("pipeline.session.running", () => Each(s => s.State == SessionState.Running ? 1 : 0), null, "1 while the session runs.");
        // The one instrument recorded on the session's path (once per window, after every sink): Prometheus users
        // expect latency as a histogram (_seconds_bucket), which can be aggregated across sessions and scrapes.
        var histogram = _meter.CreateHistogram("pipeline.session.latency", "s",
            "Latency from the arrival of a window's newest sample to its prediction leaving the sinks.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyHistogram.DefaultBounds });
        foreach (var s in host.Sessions) s.LatencyHistogram = histogram;
        _meter.CreateObservableGauge("pipeline.session.latency.p50", () => Latency(0.5), "ms", "Median latency from the newest sample's arrival to the sinks, last 1024 windows.");
        _meter.CreateObservableGauge("pipeline.session.latency.p99", () => Latency(0.99), "ms", "99th percentile latency, last 1024 windows.");
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
