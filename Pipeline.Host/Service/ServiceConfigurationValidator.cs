using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Pipeline.Core.Audio;
using Pipeline.Core.Inference;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Sources.Lsl;
using Pipeline.Sources.Replay;
using Pipeline.Sources.Simulation;

namespace Pipeline.Host.Service;

/// <summary>
/// Checks a whole configuration before anything starts and collects every problem, each named by its place
/// (<c>sessions[2].model.path: file not found</c>): ids, sources, files, models and their cards, the stream of
/// replay and simulator sources against the model card, outputs, and the HTTP binding and its key.
/// </summary>
internal static partial class ServiceConfigurationValidator
{
    /// <summary>Shortest API key accepted.</summary>
    public const int MinimumApiKeyLength = 16;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The most sessions one service runs (each has its threads, outlets and files; the shutdown promise holds up to here).</summary>
    public const int MaxSessions = 64;

    // An id names files ({id} in recording paths): it starts with a letter or digit, so '.', '..' and hidden names are out.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex IdPattern();

    /// <summary>Every problem of <paramref name="config"/>; relative paths are taken from <paramref name="baseDirectory"/>.</summary>
    public static IReadOnlyList<ConfigurationError> Validate(ServiceConfiguration config, string baseDirectory)
    {
        var errors = new List<ConfigurationError>();
        ValidateHttp(config.Http, errors);
        ValidateInference(config.Inference, errors);
        if (config.Sessions.Count == 0) errors.Add(new("sessions", "no sessions are configured; add at least one"));
        if (config.Sessions.Count > MaxSessions) errors.Add(new("sessions", $"{config.Sessions.Count} sessions are more than the {MaxSessions} one service runs; split them over several services"));
        var models = new Dictionary<string, string>(StringComparer.Ordinal);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var inputs = new List<(string Place, string Path, string FullPath)>();
        for (var i = 0; i < config.Sessions.Count; i++)
        {
            var p = $"sessions[{i}]";
            var s = config.Sessions[i];
            if (s is null) { errors.Add(new(p, "null; write a session object")); continue; }
            if (string.IsNullOrWhiteSpace(s.Id)) errors.Add(new($"{p}.id", "missing; give each session a unique id"));
            else if (!IdPattern().IsMatch(s.Id)) errors.Add(new($"{p}.id", $"'{s.Id}' is not a valid id (1-64 letters, digits, '-', '_', '.', starting with a letter or digit)"));
            else if (ids.TryGetValue(s.Id, out var first)) errors.Add(new($"{p}.id", $"duplicate session id '{s.Id}' (also sessions[{first}].id)"));
            else ids[s.Id] = i;
            try
            {
                ValidateSession(p, s, baseDirectory, errors, outputs, models);
                if (s.Source is { Kind: "replay", File: { } file } && !string.IsNullOrWhiteSpace(file)) inputs.Add(($"{p}.source.file", file, ServicePaths.Resolve(baseDirectory, file)));
                if (s.Model?.AlignCalibration is { } calibration && !string.IsNullOrWhiteSpace(calibration)) inputs.Add(($"{p}.model.alignCalibration", calibration, ServicePaths.Resolve(baseDirectory, calibration)));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A reader or a model that fails in a way nobody foresaw is still a problem of this session, not a crash.
                errors.Add(new(p, UserError.Describe(e) ?? $"could not be checked ({e.GetType().Name}: {e.Message})"));
            }
        }
        // A session's input must not be what a session of this service writes: the file would be replaced under the
        // replay (or read while it grows), and the session would decode the service's own output.
        foreach (var (place, path, full) in inputs)
            if (outputs.TryGetValue(full, out var writer))
                errors.Add(new(place, $"'{path}' is written by {writer} of this service; read a finished recording, not an output of this service"));
        return errors;
    }

    private static void ValidateHttp(HttpConfiguration http, List<ConfigurationError> errors)
    {
        if (http.Urls is null || http.Urls.Count == 0)
        {
            errors.Add(new("http.urls", $"empty; give at least one URL, e.g. {HttpConfiguration.DefaultUrl}"));
            return;
        }
        var exposed = false;
        for (var i = 0; i < http.Urls.Count; i++)
        {
            switch (IsLoopback(http.Urls[i]))
            {
                case null: errors.Add(new($"http.urls[{i}]", $"'{http.Urls[i]}' is not an http URL with a port of 1-65535 and a plain address, such as {HttpConfiguration.DefaultUrl} (https: put a reverse proxy in front)")); break;
                case false: exposed = true; break;
            }
        }
        if (http.ApiKey is { } key && key.Length < MinimumApiKeyLength)
            errors.Add(new("http.apiKey", $"too short; use at least {MinimumApiKeyLength} random characters (e.g. from openssl rand -hex 32)"));
        if (exposed && string.IsNullOrEmpty(http.ApiKey))
            errors.Add(new("http.urls", "binding to a non-loopback address needs http.apiKey"));
    }

    private static void ValidateInference(InferenceConfiguration? inference, List<ConfigurationError> errors)
    {
        if (inference is null)
        {
            errors.Add(new("inference", "null; write an object such as { \"workers\": 2 } or leave it out (one inference thread per core)"));
            return;
        }
        var cores = Environment.ProcessorCount;
        if (inference.Workers is < 1 or > InferenceConfiguration.MaxWorkers)
            errors.Add(new("inference.workers", $"{inference.Workers} is not a number of inference threads; give 1 to {InferenceConfiguration.MaxWorkers}, or leave it out for one per core ({cores} on this machine)"));
        if (inference.MaxBatch is < 0 or > InferenceConfiguration.MaxBatchLimit)
            errors.Add(new("inference.maxBatch", $"{inference.MaxBatch} is not a batch limit; give 1 to {InferenceConfiguration.MaxBatchLimit} windows per run, or 0 to choose it at warm-up"));
        if (!(inference.MaxDelayMs >= 0 && inference.MaxDelayMs <= InferenceConfiguration.MaxDelayLimitMs))
            errors.Add(new("inference.maxDelayMs", $"{inference.MaxDelayMs.ToString("G", Inv)} ms is not a batch delay; give 0 (never wait for more windows) to {InferenceConfiguration.MaxDelayLimitMs.ToString("G", Inv)} ms"));
        if (inference.QueueCapacity is < 1 or > InferenceConfiguration.MaxQueueCapacity)
            errors.Add(new("inference.queueCapacity", $"{inference.QueueCapacity} is not a queue length; give 1 to {InferenceConfiguration.MaxQueueCapacity} windows per session"));
    }

    /// <summary>True for a loopback-only URL, false for one reachable from elsewhere, null when it is not an http(s) URL.</summary>
    public static bool? IsLoopback(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return null;
        }
        if (address.IsUnixPipe) return true;
        // https needs a certificate this service does not configure: put a reverse proxy in front instead.
        if (address.Scheme is not "http" || string.IsNullOrEmpty(address.Host) || address.Port is < 0 or > 65535) return null;
        var host = address.Host.Trim('[', ']');
        // An IPv4 address written as IPv6 (::ffff:127.0.0.1) binds differently on each system: ask for the plain form.
        if (IPAddress.TryParse(host, out var mapped) && mapped.IsIPv4MappedToIPv6) return null;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }

    private static void ValidateSession(string p, SessionConfiguration s, string baseDirectory, List<ConfigurationError> errors, Dictionary<string, string> outputs, Dictionary<string, string> models)
    {
        var id = s.Id ?? "";
        var stream = ValidateSource($"{p}.source", s.Source, baseDirectory, id, errors);
        var card = ValidateModel($"{p}.model", s.Model, baseDirectory, errors, models);
        var pre = s.Preprocessing ?? new();
        if (pre.Band is { } band && !(band.Count == 2 && band[0] >= 0 && band[1] > band[0]))
            errors.Add(new($"{p}.preprocessing.band", "give two frequencies, low then high, e.g. [8, 30]"));
        if (pre.Notch is { } notch && !(notch >= 0)) errors.Add(new($"{p}.preprocessing.notch", "must be 0 (none) or a frequency in Hz, e.g. 50"));
        if (pre.Resample is { } rs && !(rs > 0)) errors.Add(new($"{p}.preprocessing.resample", "must be a positive rate in Hz"));
        if (pre.Window is { } w && !(w > 0)) errors.Add(new($"{p}.preprocessing.window", "must be a positive number of seconds"));
        if (!(pre.Hop > 0)) errors.Add(new($"{p}.preprocessing.hop", "must be a positive number of seconds"));
        if (pre.Channels is { Count: 0 }) errors.Add(new($"{p}.preprocessing.channels", "empty; leave it out to use the model's channels"));

        var d = s.Decisions ?? new();
        if (d.Smooth is { } smooth && smooth < 1) errors.Add(new($"{p}.decisions.smooth", "must be at least 1 (1: no smoothing)"));
        else if (d.Smooth > Core.Decisions.DecisionOptions.MaxWindowCount) errors.Add(new($"{p}.decisions.smooth", $"must be at most {Core.Decisions.DecisionOptions.MaxWindowCount} windows"));
        if (d.Vote is not ("mean" or "majority")) errors.Add(new($"{p}.decisions.vote", $"unknown vote '{d.Vote}' (expected mean or majority)"));
        if (d.Threshold is { } threshold && !(threshold >= 0 && threshold <= 1)) errors.Add(new($"{p}.decisions.threshold", "must be between 0 and 1"));
        if (d.Refractory is { } refractory && !(refractory >= 0)) errors.Add(new($"{p}.decisions.refractory", "must not be negative"));
        if (card is not null)
        {
            if (d.Rest is { } rest && !card.Classes.Contains(rest))
                errors.Add(new($"{p}.decisions.rest", $"'{rest}' is not a class of the model ({string.Join(", ", card.Classes)})"));
            foreach (var k in d.Commands?.Keys ?? Enumerable.Empty<string>())
                if (!card.Classes.Contains(k)) errors.Add(new($"{p}.decisions.commands.{k}", $"'{k}' is not a class of the model ({string.Join(", ", card.Classes)})"));
        }
        ValidateCues($"{p}.model", s.Model, card, baseDirectory, errors);

        if (stream is not null && stream.Type == SpeechAudio.StreamType) CheckSpeech(p, s, card, baseDirectory, errors);
        else if (stream is not null) CheckStream(p, stream, pre, card, s.Model?.Path, errors);

        var sinks = s.Sinks ?? new();
        CheckOutput($"{p}.sinks.jsonl", sinks.Jsonl, baseDirectory, p, outputs, errors);
        CheckOutput($"{p}.sinks.csv", sinks.Csv, baseDirectory, p, outputs, errors);
        if (sinks.Lsl is { } lsl)
        {
            if (lsl.Commands is { Length: 0 }) errors.Add(new($"{p}.sinks.lsl.commands", "empty; give the stream name or leave it out"));
            if (lsl.Predictions is { Length: 0 }) errors.Add(new($"{p}.sinks.lsl.predictions", "empty; give the stream name or leave it out"));
        }
        if (s.Recording is { } r)
        {
            if (string.IsNullOrWhiteSpace(r.Xdf)) errors.Add(new($"{p}.recording.xdf", "missing; give the XDF path, e.g. recordings/{id}-{start}.xdf"));
            else CheckOutput($"{p}.recording.xdf", ServicePaths.Expand(r.Xdf, id, DateTime.UnixEpoch), baseDirectory, p, outputs, errors, shown: r.Xdf);
        }
    }

    private static StreamDescription? ValidateSource(string p, SourceConfiguration? source, string baseDirectory, string id, List<ConfigurationError> errors)
    {
        if (source is null) { errors.Add(new(p, "missing; give a source with a kind (lsl, replay, simulator, microphone)")); return null; }
        switch (source.Kind)
        {
            case null or "":
                errors.Add(new($"{p}.kind", $"missing (expected {string.Join(", ", SourceConfiguration.Kinds)})"));
                return null;
            case "microphone":
                if (source.Device is { Length: 0 }) errors.Add(new($"{p}.device", "empty; give a device name from 'pipeline audio devices' or leave it out for the default"));
                // The device itself is checked when the session starts (it may be plugged in later).
                return SpeechAudio.Describe("microphone-" + id, "microphone");
            case "lsl":
                if (new[] { source.EffectiveQuery, source.Name, source.Type, source.SourceId }.All(string.IsNullOrWhiteSpace))
                    errors.Add(new(p, "an lsl source needs query, name, type or sourceId"));
                if (source.Query is not null && source.Predicate is not null)
                    errors.Add(new($"{p}.predicate", "the old name of query; give query alone"));
                TryPredicate(source.Query is not null ? $"{p}.query" : $"{p}.predicate", source.EffectiveQuery, errors);
                TryPredicate($"{p}.markers", source.Markers, errors);
                if (!(source.EffectiveWait > 0)) errors.Add(new(source.Wait is not null ? $"{p}.wait" : $"{p}.resolveTimeout", "must be a positive number of seconds"));
                return null;
            case "replay":
                CheckSpeed(p, source.Speed, errors);
                if (string.IsNullOrWhiteSpace(source.File)) { errors.Add(new($"{p}.file", "missing; give an XDF or EDF/BDF recording")); return null; }
                var file = ServicePaths.Resolve(baseDirectory, source.File);
                if (!File.Exists(file)) { errors.Add(new($"{p}.file", "file not found")); return null; }
                try
                {
                    using var recording = Recording.Open(file);
                    try
                    {
                        return recording.ChooseSignalStream(source.Stream).Description;
                    }
                    catch (PipelineException e)
                    {
                        errors.Add(new(source.Stream is null ? $"{p}.file" : $"{p}.stream", e.Message));
                        return null;
                    }
                }
                catch (Exception e) when (UserError.Describe(e) is { } message)
                {
                    errors.Add(new($"{p}.file", message));
                    return null;
                }
            case "simulator":
                CheckSpeed(p, source.Speed, errors);
                if (source.Duration is { } dur && !(dur >= 0)) errors.Add(new($"{p}.duration", "must be 0 or more seconds (leave it out to run until stopped)"));
                try
                {
                    var options = ServiceSourceOptions.Simulation(source, id);
                    options.Validate();
                    return new MotorImagerySimulator(options).Description;
                }
                catch (PipelineException e)
                {
                    errors.Add(new(p, e.Message));
                    return null;
                }
            default:
                errors.Add(new($"{p}.kind", $"unknown source kind '{source.Kind}' (expected {string.Join(", ", SourceConfiguration.Kinds)})"));
                return null;
        }
    }

    private static void CheckSpeed(string p, double speed, List<ConfigurationError> errors)
    {
        if (!(double.IsFinite(speed) && speed > 0)) errors.Add(new($"{p}.speed", "must be a positive factor (1: real time)"));
    }

    private static void TryPredicate(string p, string? text, List<ConfigurationError> errors)
    {
        if (text is null) return;
        try
        {
            if (string.IsNullOrWhiteSpace(text)) throw new PipelineException("empty; give e.g. type=EEG");
            // The query goes to every peer as XPath: one that does not compile would only fail (silently) at run time.
            System.Xml.XPath.XPathExpression.Compile(LslQuery.Parse(text));
        }
        catch (PipelineException e)
        {
            errors.Add(new(p, e.Message));
        }
        catch (System.Xml.XPath.XPathException e)
        {
            errors.Add(new(p, $"'{text}' is not a valid LSL query ({e.Message.TrimEnd('.')}); write key=value terms such as type=EEG, or an XPath predicate such as name='Amp' and type='EEG'"));
        }
    }

    /// <summary>The cue mapping (markers, classes) against the model's classes, and a calibration recording for an online card.</summary>
    private static void ValidateCues(string p, ModelConfiguration? model, ModelCard? card, string baseDirectory, List<ConfigurationError> errors)
    {
        if (model is null) return;
        if (model.Markers is { Count: > 0 } markers)
        {
            try
            {
                foreach (var cue in Cli.CueOptionSet.Pair(markers, model.Classes))
                    if (card is not null && !card.Classes.Contains(cue.ClassName))
                        errors.Add(new($"{p}.classes", $"the marker '{cue.Marker}' is mapped to '{cue.ClassName}', which is not a class of the model ({string.Join(", ", card.Classes)}); give one class per marker"));
            }
            catch (PipelineException e)
            {
                errors.Add(new($"{p}.markers", e.Message.Replace("--classes", "classes", StringComparison.Ordinal)));
            }
        }
        else if (model.Classes is { Count: > 0 })
            errors.Add(new($"{p}.classes", "names the classes of cue markers, but markers is missing; give markers too, one per class"));
        if (model.AlignCalibration is { } calibration)
        {
            if (!File.Exists(ServicePaths.Resolve(baseDirectory, calibration))) errors.Add(new($"{p}.alignCalibration", "file not found"));
            else if (card is not null && card.Preprocessing.Alignment is not { IsOnline: true })
                errors.Add(new($"{p}.alignCalibration", $"the card of '{Path.GetFileName(model.Path)}' applies a fixed alignment matrix (not online), so there is nothing to seed; leave alignCalibration out"));
        }
    }

    private static ModelCard? ValidateModel(string p, ModelConfiguration? model, string baseDirectory, List<ConfigurationError> errors, Dictionary<string, string> models)
    {
        if (model is null) return null;
        try { ServiceSourceOptions.Device(model.Device); }
        catch (PipelineException e) { errors.Add(new($"{p}.device", e.Message)); }
        if (string.IsNullOrWhiteSpace(model.Path)) { errors.Add(new($"{p}.path", "missing; give the .onnx file")); return null; }
        var path = ServicePaths.Resolve(baseDirectory, model.Path);
        if (!File.Exists(path)) { errors.Add(new($"{p}.path", "file not found")); return null; }
        var cardPath = ModelCard.PathFor(path);
        if (!File.Exists(cardPath)) { errors.Add(new($"{p}.path", $"the model card '{Path.GetFileName(cardPath)}' is missing next to the model")); return null; }
        ModelCard card;
        try
        {
            card = ModelCard.Load(cardPath);
        }
        catch (PipelineException e)
        {
            errors.Add(new($"{p}.path", e.Message));
            return null;
        }
        // Load each EEG model once, as a session would (a corrupt file, a card that does not match the network): the
        // problem is found now, not after the service started. Speech models are a head and an upstream, checked at start.
        if (!ServiceSourceOptions.IsSpeechModel(card))
        {
            if (!models.TryGetValue(path, out var problem))
            {
                problem = "";
                try
                {
                    using var runner = ModelRunner.Load(path, new ModelRunnerOptions { Device = ExecutionDevice.Cpu });
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    problem = UserError.Describe(e) ?? $"'{Path.GetFileName(path)}' cannot be loaded as an ONNX model ({e.Message.Split('\n')[0].TrimEnd('.')}); replace it with the exported file";
                }
                models[path] = problem;
            }
            if (problem.Length > 0) errors.Add(new($"{p}.path", problem));
        }
        return card;
    }

    /// <summary>An audio source (a microphone or a WAV file) needs a speech keyword model and the VAD.</summary>
    private static void CheckSpeech(string p, SessionConfiguration s, ModelCard? card, string baseDirectory, List<ConfigurationError> errors)
    {
        if (s.Model is null) errors.Add(new($"{p}.model", "an audio session needs a keyword model, e.g. { \"path\": \"models/ssl/kws-hconv.onnx\" }"));
        else if (card is not null && !ServiceSourceOptions.IsSpeechModel(card))
            errors.Add(new($"{p}.model.path", $"'{Path.GetFileName(s.Model.Path)}' is an EEG decoder; an audio session needs a keyword model such as models/ssl/kws-hconv.onnx"));
        if (s.Model?.Vad is { } vad)
        {
            if (!File.Exists(ServicePaths.Resolve(baseDirectory, vad))) errors.Add(new($"{p}.model.vad", "file not found"));
        }
        else if (s.Model is not null && SileroVad.FindDefault() is null)
            errors.Add(new($"{p}.model.vad", "the Silero VAD model was not found under models/silero-vad; give its path"));
        if (s.Preprocessing is { } pre && (pre.Band is not null || pre.Notch is not null || pre.Resample is not null || pre.Window is not null || pre.Channels is not null))
            errors.Add(new($"{p}.preprocessing", "an audio session has no preprocessing settings (16 kHz mono, VAD-gated one-second windows); leave it out"));
    }

    /// <summary>The checks the model runner makes at start, made now for streams known before start.</summary>
    private static void CheckStream(string p, StreamDescription stream, PreprocessingConfiguration pre, ModelCard? card, string? modelPath, List<ConfigurationError> errors)
    {
        if (card is not null && ServiceSourceOptions.IsSpeechModel(card))
        {
            errors.Add(new($"{p}.model.path", $"'{Path.GetFileName(modelPath)}' is a speech keyword model; an EEG session needs an EEG decoder such as models/dbconformer-demo.onnx"));
            return;
        }
        var rate = pre.Resample ?? stream.NominalRate;
        if (!(rate > 0)) { errors.Add(new($"{p}.source", $"the stream '{stream.Name}' has no regular sampling rate, so it cannot be cut into windows")); return; }
        var wanted = pre.Channels is { Count: > 0 } ch ? ch : card?.Channels;
        if (wanted is not null)
        {
            var missing = wanted.Where(w => !Resolves(stream.ChannelLabels, w)).ToList();
            if (missing.Count > 0)
            {
                var what = pre.Channels is { Count: > 0 } ? "preprocessing.channels names" : $"the model '{Path.GetFileName(modelPath)}' needs";
                errors.Add(new($"{p}.source", $"channel mismatch: the stream '{stream.Name}' ({stream.ChannelCount} channels) lacks {string.Join(", ", missing)} that {what}"));
            }
        }
        if (card is not null)
        {
            if (pre.Channels is { Count: > 0 } sel && !sel.SequenceEqual(card.Channels, StringComparer.OrdinalIgnoreCase))
                errors.Add(new($"{p}.preprocessing.channels", $"the model takes {card.Channels.Count} channels in its own order ({string.Join(",", card.Channels.Take(4))}...); leave channels out"));
            if (Math.Abs(rate - card.Rate) > 1e-6 * card.Rate)
                errors.Add(new($"{p}.preprocessing.resample", $"the stream runs at {rate.ToString("G", Inv)} Hz but the model was trained at {card.Rate.ToString("G", Inv)} Hz; set resample to {card.Rate.ToString("G", Inv)}"));
            else if (pre.Window is { } w && (int)Math.Round(w * rate) != card.Window.Samples)
                errors.Add(new($"{p}.preprocessing.window", $"the model takes windows of {card.Window.Seconds.ToString("G", Inv)} s; leave window out"));
        }
        var band = pre.Band is [var lo, var hi] ? (lo, hi) : card?.Preprocessing.Band is [{ } l, { } h] ? (l, h) : ((double, double)?)null;
        if (band is { } b && !(b.Item2 < rate / 2))
            errors.Add(new($"{p}.preprocessing.band", $"{b.Item1.ToString("G", Inv)}-{b.Item2.ToString("G", Inv)} Hz does not fit a stream at {rate.ToString("G", Inv)} Hz (the high edge must stay below {(rate / 2).ToString("G", Inv)} Hz)"));
    }

    private static bool Resolves(IReadOnlyList<string> available, string wanted)
    {
        try { ChannelLabels.Resolve(available, [wanted]); return true; }
        catch (PipelineException) { return false; }
    }

    private static void CheckOutput(string p, string? path, string baseDirectory, string session, Dictionary<string, string> outputs, List<ConfigurationError> errors, string? shown = null)
    {
        if (path is null) return;
        if (string.IsNullOrWhiteSpace(path)) { errors.Add(new(p, "empty; give a file path or leave it out")); return; }
        var full = ServicePaths.Resolve(baseDirectory, path);
        if (ServicePaths.IsKernelFileSystem(full))
        {
            errors.Add(new(p, $"'{shown ?? path}' is under /proc, /sys or /dev, which hold no files; choose a folder on a disk"));
            return;
        }
        // A missing folder is created when the session starts; it only has to be creatable: its nearest existing
        // parent is a folder, not a file.
        var dir = Path.GetDirectoryName(full);
        var existing = dir;
        while (existing is not null && !Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                errors.Add(new(p, $"the folder of '{shown ?? path}' cannot be created: '{existing}' is a file"));
                return;
            }
            existing = Path.GetDirectoryName(existing);
        }
        if (Directory.Exists(full)) { errors.Add(new(p, $"'{shown ?? path}' is a folder; give a file path")); return; }
        if (outputs.TryGetValue(full, out var other)) errors.Add(new(p, $"'{shown ?? path}' is also written by {other}; give each output its own file"));
        else outputs[full] = p;
    }
}
