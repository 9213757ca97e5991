using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Sessions;

/// <summary>
/// A consumer at the end of a session: console, files, LSL, network. Calls come from one thread per session
/// and must return quickly; a sink must not keep the <see cref="Prediction"/> it is handed (it is reused).
/// </summary>
public interface IPipelineSink : IDisposable
{
    /// <summary>A window's prediction (or features) is ready.</summary>
    void OnPrediction(Prediction prediction);
    /// <summary>A command was decided.</summary>
    void OnCommand(Command command);
    /// <summary>An event marker of the source passed by (cue, trial start).</summary>
    void OnMarker(Marker marker);
    /// <summary>The source had a gap.</summary>
    void OnGap(Gap gap);
    /// <summary>The session ended; <paramref name="summary"/> holds its totals. Flush here.</summary>
    void OnCompleted(SessionSummary summary);
}
