using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sinks.Lsl;

/// <summary>
/// Publishes every command as a marker (an irregular one-channel string LSL stream of type <c>Markers</c>), timestamped
/// with the time of the window's newest sample, so any LSL recorder or game engine can react to it.
/// </summary>
public sealed class LslCommandSink : IPipelineSink
{
    private readonly StreamOutlet _outlet;
    private readonly string[] _sample = new string[1];

    /// <summary>The start of the default source id (followed by the stream name).</summary>
    public const string SourceIdPrefix = "pipeline-commands-";

    /// <summary>Creates the sink and opens its outlet.</summary>
    public LslCommandSink(string streamName = "PipelineCommands", string sourceId = "", LslConfig? config = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        var info = new StreamInfo(streamName, "Markers", 1, LSL.IrregularRate, ChannelFormat.String,
            sourceId.Length > 0 ? sourceId : SourceIdPrefix + streamName);
        // Listed as this process's own before it answers anyone: no session of the process can take it as an input.
        _outlet = new StreamOutlet(info, config: config, announcing: LslOwnOutlets.Announcing);
    }

    /// <summary>The outlet's stream info.</summary>
    public StreamInfo Info => _outlet.Info;

    /// <inheritdoc />
    public void OnCommand(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        _sample[0] = command.Name;
        _outlet.PushSample(_sample, command.Time > 0 ? command.Time : 0.0);
    }

    /// <inheritdoc />
    public void OnPrediction(Prediction prediction) { }

    /// <inheritdoc />
    public void OnMarker(Marker marker) { }

    /// <inheritdoc />
    public void OnGap(Gap gap) { }

    /// <inheritdoc />
    public void OnCompleted(SessionSummary summary) { }

    /// <inheritdoc />
    public void Dispose()
    {
        LslOwnOutlets.Remove(_outlet.Info.Uid);
        _outlet.Dispose();
    }
}
