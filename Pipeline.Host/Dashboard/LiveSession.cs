using Pipeline.Core.Monitoring;

namespace Pipeline.Host.Dashboard;

/// <summary>A running session as the live view sees it: its monitor and a few words about what it runs (no paths).</summary>
/// <param name="Monitor">The rings the session writes (and, through <see cref="SessionMonitor.Decoder"/>, its counters).</param>
/// <param name="Kind"><c>eeg</c> (a model's probabilities), <c>bandpower</c> (no model) or <c>speech</c>.</param>
/// <param name="Model">The model's file name, or null.</param>
/// <param name="Processing">One line on the preprocessing (band, notch, window), for the page's header.</param>
internal sealed record LiveSession(SessionMonitor Monitor, string Kind, string? Model, string Processing);
