using System.CommandLine;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Signals;

namespace Pipeline.Host.Cli;

/// <summary>
/// The marker-to-class mapping of <c>pipeline epochs</c>, shared by the verbs that score a session's trials:
/// <c>--markers T1,T2 --classes left,right</c>, and the repeatable <c>--marker</c> for markers that hold commas.
/// </summary>
internal sealed class CueOptionSet
{
    public Option<string?> Markers { get; } = new("--markers")
    {
        Description = "Cue markers that open trials, comma-separated, one per class (e.g. T1,T2); each trial is scored for the online accuracy. Default: the model card's markers and class names. For markers that contain commas use --marker.",
    };

    public Option<string[]> Marker { get; } = new("--marker")
    {
        Description = "One cue marker, taken whole (commas and spaces kept, e.g. --marker \"switch,3,1,2\"); repeat it, one per class. Comes after any --markers, in the order given.",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> Classes { get; } = new("--classes")
    {
        Description = "The model's class for each of those markers, comma-separated, same order (default: the marker texts).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Markers);
        command.Options.Add(Marker);
        command.Options.Add(Classes);
    }

    /// <summary>The cues given (null when none were: the card's own markers and classes are used).</summary>
    public IReadOnlyList<CueClass>? Parse(ParseResult parse)
    {
        var markers = MarkerNames(parse.GetValue(Markers), parse.GetValue(Marker));
        var classes = CommonOptions.ParseList(parse.GetValue(Classes));
        if (markers.Count == 0)
        {
            if (classes is not null) throw new PipelineException("--classes names the classes of cue markers, but no marker was named; give them with --markers T1,T2 (or --marker, repeated).");
            return null;
        }
        return Pair(markers, classes);
    }

    /// <summary>Markers and their classes, checked: each marker once, one class per marker (default: the marker texts).</summary>
    public static IReadOnlyList<CueClass> Pair(IReadOnlyList<string> markers, IReadOnlyList<string>? classes)
    {
        if (markers.Distinct(StringComparer.Ordinal).Count() != markers.Count)
            throw new PipelineException($"A marker is named twice ({string.Join(", ", markers.Select(m => $"'{m}'"))}); name each once.");
        classes ??= markers;
        if (classes.Count != markers.Count)
            throw new PipelineException($"--classes names {classes.Count} classes for {markers.Count} markers; give one class per marker, in the same order.");
        return markers.Select((m, i) => new CueClass(m, classes[i])).ToArray();
    }

    /// <summary>The markers of <c>--markers a,b</c> (split at commas) followed by each <c>--marker</c> taken whole.</summary>
    public static List<string> MarkerNames(string? list, string[]? whole)
    {
        var names = new List<string>(CommonOptions.ParseList(list) ?? []);
        foreach (var m in whole ?? [])
        {
            if (string.IsNullOrEmpty(m)) throw new PipelineException("--marker is empty; give the marker text exactly as recorded, e.g. --marker \"switch,3,1,2\".");
            names.Add(m);
        }
        return names;
    }

    /// <summary>
    /// Refuses named markers that do not occur among a recording's cue markers, in one sentence naming those that do
    /// (and pointing to --marker where --markers split a marker holding commas).
    /// </summary>
    public static void CheckPresent(IReadOnlyList<string> markerNames, IEnumerable<Marker> cues, string path)
    {
        var present = cues.Select(m => m.Text).ToHashSet(StringComparer.Ordinal);
        var absent = markerNames.Where(m => !present.Contains(m)).ToList();
        if (absent.Count == 0) return;
        var known = present.Count == 0 ? "it has no cue markers at all" : $"its cue markers are {string.Join(", ", present.Order().Take(20).Select(m => $"'{m}'"))}";
        var joined = string.Join(",", markerNames);
        var example = present.Contains(joined) ? joined : present.Order(StringComparer.Ordinal).FirstOrDefault(p => p.Contains(',', StringComparison.Ordinal));
        var hint = example is null || absent.Any(a => a.Contains(',', StringComparison.Ordinal)) ? ""
            : $" (a marker that contains commas is named whole with --marker, e.g. --marker \"{example}\")";
        throw new PipelineException($"The marker{(absent.Count == 1 ? "" : "s")} {string.Join(", ", absent.Select(a => $"'{a}'"))} do{(absent.Count == 1 ? "es" : "")} not occur in '{path}'; {known}{hint}.");
    }
}
