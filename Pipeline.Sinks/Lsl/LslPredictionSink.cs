using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sinks.Lsl;

/// <summary>
/// Publishes every prediction as one sample of an irregular float32 LSL stream with one channel per value (class
/// probabilities, labelled with the class names), timestamped with the window's last sample time. The outlet opens
/// at construction when the value names are given, else at the first prediction.
/// </summary>
public sealed class LslPredictionSink : IPipelineSink
{
    private readonly string _name;
    private readonly string _sourceId;
    private readonly LslConfig? _config;
    private StreamOutlet? _outlet;

    /// <summary>The start of the default source id (followed by the stream name).</summary>
    public const string SourceIdPrefix = "pipeline-predictions-";

    /// <summary>Creates the sink; pass <paramref name="valueNames"/> to make the stream discoverable before the first prediction.</summary>
    public LslPredictionSink(string streamName = "PipelinePredictions", IReadOnlyList<string>? valueNames = null, string sourceId = "", LslConfig? config = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        _name = streamName;
        _sourceId = sourceId.Length > 0 ? sourceId : SourceIdPrefix + streamName;
        _config = config;
        if (valueNames is not null) _outlet = Create(valueNames);
    }

    /// <summary>The outlet's stream info, once open.</summary>
    public StreamInfo? Info => _outlet?.Info;

    private StreamOutlet Create(IReadOnlyList<string> names)
    {
        if (names.Count == 0) throw new PipelineException($"LSL prediction stream '{_name}' needs at least one value name; give the model card class names.");
        var info = new StreamInfo(_name, "Predictions", names.Count, LSL.IrregularRate, ChannelFormat.Float32, _sourceId);
        info.SetChannels(names.Select(n => new ChannelDescription(n, "probability")));
        // Listed as this process's own before it answers anyone (it may open mid-run, at the first prediction, while
        // another session of the process is resolving a stream of type Predictions).
        return new StreamOutlet(info, config: _config, announcing: LslOwnOutlets.Announcing);
    }

    /// <inheritdoc />
    public void OnPrediction(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var outlet = _outlet ??= Create(prediction.ValueNames);
        if (prediction.Values.Length != outlet.Info.ChannelCount)
            throw new PipelineException($"A prediction with {prediction.Values.Length} values does not fit LSL stream '{_name}' of {outlet.Info.ChannelCount} channels; use one sink per model.");
        outlet.PushSample(prediction.Values, prediction.EndTime > 0 ? prediction.EndTime : 0.0);
    }

    /// <inheritdoc />
    public void OnCommand(Command command) { }

    /// <inheritdoc />
    public void OnMarker(Marker marker) { }

    /// <inheritdoc />
    public void OnGap(Gap gap) { }

    /// <inheritdoc />
    public void OnCompleted(SessionSummary summary) { }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_outlet is null) return;
        LslOwnOutlets.Remove(_outlet.Info.Uid);
        _outlet.Dispose();
    }
}
