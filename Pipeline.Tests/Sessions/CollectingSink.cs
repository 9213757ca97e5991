using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;

namespace Pipeline.Tests.Sessions;

/// <summary>Collects what reaches a sink, in order (copies: predictions are reused). Thread-safe.</summary>
public sealed class CollectingSink : IPipelineSink
{
    private readonly object _gate = new();
    public List<Prediction> Predictions { get; } = [];
    public List<Command> Commands { get; } = [];
    public List<Marker> Markers { get; } = [];
    public List<Gap> Gaps { get; } = [];
    public List<string> Order { get; } = [];
    public SessionSummary? Summary { get; private set; }

    public void OnPrediction(Prediction p) { lock (_gate) { Predictions.Add(p.Clone()); Order.Add($"p{p.WindowIndex}"); } }
    public void OnCommand(Command c) { lock (_gate) { Commands.Add(c); Order.Add($"c{c.WindowIndex}"); } }
    public void OnMarker(Marker m) { lock (_gate) { Markers.Add(m); Order.Add($"m:{m.Text}"); } }
    public void OnGap(Gap g) { lock (_gate) { Gaps.Add(g); Order.Add("gap"); } }
    public void OnCompleted(SessionSummary s) { lock (_gate) { Summary = s; Order.Add("summary"); } }
    public void Dispose() { }
}
