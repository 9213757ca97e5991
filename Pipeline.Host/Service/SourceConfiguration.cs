namespace Pipeline.Host.Service;

/// <summary>A session's source; which fields apply depends on <see cref="Kind"/>.</summary>
internal sealed record SourceConfiguration
{
    /// <summary>The kinds a source may have.</summary>
    public static readonly string[] Kinds = ["lsl", "replay", "simulator", "microphone"];

    /// <summary>lsl, replay, simulator or microphone.</summary>
    public string? Kind { get; init; }

    // lsl
    /// <summary>lsl: the stream, an LSL query (key=value list such as type=EEG,name=X, or an XPath predicate), as <c>run --lsl</c> and <c>lsl record --lsl</c>.</summary>
    public string? Query { get; init; }
    /// <summary>lsl: the previous name of <see cref="Query"/>, accepted for one release.</summary>
    public string? Predicate { get; init; }
    /// <summary>The LSL query given, under its name or its previous one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? EffectiveQuery => Query ?? Predicate;
    /// <summary>lsl: the stream name.</summary>
    public string? Name { get; init; }
    /// <summary>lsl: the stream type.</summary>
    public string? Type { get; init; }
    /// <summary>lsl: the source id.</summary>
    public string? SourceId { get; init; }
    /// <summary>lsl: a marker stream with cues (predicate or key=value list).</summary>
    public string? Markers { get; init; }
    /// <summary>lsl: seconds to wait for the streams to appear at start, as <c>--wait</c> in the verbs.</summary>
    public double? Wait { get; init; }
    /// <summary>lsl: the previous name of <see cref="Wait"/>, accepted for one release.</summary>
    public double ResolveTimeout { get; init; } = 10;
    /// <summary>The seconds to wait, under its name or its previous one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double EffectiveWait => Wait ?? ResolveTimeout;

    // microphone
    /// <summary>microphone: the capture device (a name from 'pipeline audio devices'; default: the system's).</summary>
    public string? Device { get; init; }
    /// <summary>microphone: the PulseAudio server (default: $PULSE_SERVER or the user's).</summary>
    public string? Server { get; init; }

    // replay
    /// <summary>replay: an XDF, EDF/BDF or GDF file, or a WAV file (an audio session).</summary>
    public string? File { get; init; }
    /// <summary>replay: the signal stream, by name or index (default: the main EEG stream).</summary>
    public string? Stream { get; init; }
    /// <summary>replay/simulator: pace, 1 = real time.</summary>
    public double Speed { get; init; } = 1;
    /// <summary>replay: start again at the end (timestamps keep rising).</summary>
    public bool Loop { get; init; }

    // simulator
    /// <summary>simulator: the seed.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>simulator: channel labels (default the 22-channel BCI IV 2a montage).</summary>
    public List<string>? Channels { get; init; }
    /// <summary>simulator: sampling rate, Hz.</summary>
    public double Rate { get; init; } = 250;
    /// <summary>simulator: cued classes (left, right, feet, rest).</summary>
    public List<string>? Classes { get; init; }
    /// <summary>simulator: seconds of signal, then the session completes (default: endless).</summary>
    public double? Duration { get; init; }
}
