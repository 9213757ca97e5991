using Pipeline.Core.Signals;

namespace Pipeline.Sources.Replay;

/// <summary>What a recorded stream is for: measured signal, cues for the subject, or the pipeline's own output.</summary>
public enum StreamRole
{
    /// <summary>Measured samples (EEG, audio, any numeric stream not written by the pipeline as output).</summary>
    Signal,
    /// <summary>Markers given to the subject or by the experiment (cues, trial events, annotations).</summary>
    Cues,
    /// <summary>The commands a pipeline session decided (its LSL command outlet, or a session recording's command stream).</summary>
    Commands,
    /// <summary>The per-window class probabilities a pipeline session published.</summary>
    Predictions,
}

/// <summary>Recognises the streams the pipeline itself writes, by the source ids and types its sinks give them.</summary>
public static class StreamRoles
{
    /// <summary>
    /// The role of a stream: <c>Predictions</c> for type <c>Predictions</c>; <c>Commands</c> for string streams whose
    /// source id is the pipeline's command outlet (<c>pipeline-commands-*</c>) or a session recording's command stream
    /// (<c>pipeline-{session}-commands</c>); other string streams are <c>Cues</c>, the rest <c>Signal</c>.
    /// </summary>
    public static StreamRole Of(StreamDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (string.Equals(description.Type, "Predictions", StringComparison.OrdinalIgnoreCase)) return StreamRole.Predictions;
        if (description.Format != ValueFormat.String) return StreamRole.Signal;
        var id = description.SourceId;
        var ours = id.StartsWith("pipeline-commands-", StringComparison.Ordinal)
            || (id.StartsWith("pipeline-", StringComparison.Ordinal) && id.EndsWith("-commands", StringComparison.Ordinal));
        return ours ? StreamRole.Commands : StreamRole.Cues;
    }
}
