using System.Globalization;
using System.Text.Json;

namespace Pipeline.Core.Inference;

/// <summary>
/// Checks a model card's JSON field by field before it is bound to <see cref="ModelCard"/>: every field the pipeline
/// reads must have its JSON type and a value that can work, and each problem is named by its JSON path
/// (<c>preprocessing.band</c>, <c>channels[3]</c>). Unknown keys are ignored, as the card format asks.
/// </summary>
/// <remarks>
/// To add a field: one line in <see cref="CheckFields"/> (its path, type and range) and, where values depend on each
/// other, one line in <see cref="CheckAgreement"/>; then the property in <see cref="ModelCard"/>.
/// </remarks>
internal sealed class ModelCardValidator
{
    /// <summary>The card format this reader understands.</summary>
    public const string Format = "pipeline-model-card/1";

    /// <summary>The highest rate (Hz) a card may give: the same bound as the recording readers' (10 MHz).</summary>
    public const double MaxRate = 10e6;

    // A scale maps recorded units to model units (e.g. V to µV is 1e6); beyond these it would under- or overflow float32.
    private const double MinScale = 1e-9, MaxScale = 1e9;
    // Bounds that keep window buffers (channels x samples floats) and loops in a sane range.
    private const int MaxChannels = 1 << 16, MaxWindowSamples = 100_000_000;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly List<string> _problems = [];

    private ModelCardValidator() { }

    /// <summary>One phrase per problem of the card's JSON (empty when the fields are sound).</summary>
    public static IReadOnlyList<string> CheckJson(JsonElement root)
    {
        var v = new ModelCardValidator();
        if (root.ValueKind != JsonValueKind.Object)
            v.Problem("(the card)", $"must be a JSON object, not {Describe(root)}");
        else
            v.CheckFields(root);
        return v._problems;
    }

    /// <summary>One phrase per disagreement between fields of a card whose fields are each sound.</summary>
    public static IReadOnlyList<string> CheckCard(ModelCard card)
    {
        var v = new ModelCardValidator();
        v.CheckAgreement(card);
        return v._problems;
    }

    private void CheckFields(JsonElement root)
    {
        if (Text(root, "format") is { } format && format != Format)
            Problem("format", $"is '{format}', but this pipeline reads '{Format}'");
        Text(root, "name", nonEmpty: false);
        Text(root, "architecture", nonEmpty: false);
        if (Object(root, "input", required: true) is { } input)
        {
            Text(input, "input.name", required: true);
            Text(input, "input.layout");
            if (Text(input, "input.dtype") is { } dtype && dtype != "float32")
                Problem("input.dtype", $"is '{dtype}', but the pipeline feeds float32 tensors");
            if (List(input, "input.shape") is { } shape)
                for (var i = 0; i < shape.GetArrayLength(); i++)
                    if (IntegerValue(shape[i], $"input.shape[{i}]", -1, int.MaxValue) == 0)
                        Problem($"input.shape[{i}]", "is 0; a dimension is -1 (dynamic) or at least 1");
        }
        Texts(root, "outputs", required: true, atLeastOne: true, distinct: true);
        Number(root, "rate", required: true, 0, MaxRate, minExclusive: true, "a sampling rate in Hz");
        Texts(root, "channels", required: true, atLeastOne: true, distinct: true, maxCount: MaxChannels);
        if (Object(root, "window", required: true) is { } window)
        {
            Integer(window, "window.samples", required: true, 1, MaxWindowSamples);
            Number(window, "window.seconds", required: false, 0, 1e6, minExclusive: false, "a length in seconds");
            Number(window, "window.tmin", required: false, -1e6, 1e6, minExclusive: false, "seconds relative to the cue");
            Number(window, "window.tmax", required: false, -1e6, 1e6, minExclusive: false, "seconds relative to the cue");
        }
        if (Object(root, "preprocessing") is { } pre)
        {
            if (List(pre, "preprocessing.band", nullable: true) is { } band)
            {
                if (band.GetArrayLength() != 2)
                    Problem("preprocessing.band", $"holds {Count(band.GetArrayLength(), "value")}, but a band is null or two frequencies [low, high] in Hz");
                else
                    for (var i = 0; i < 2; i++) NumberValue(band[i], $"preprocessing.band[{i}]", 0, MaxRate, minExclusive: false, "a frequency in Hz");
            }
            Number(pre, "preprocessing.notch", required: false, 0, MaxRate, minExclusive: false, "a frequency in Hz (0: none)", nullable: true);
            Number(pre, "preprocessing.scale", required: false, MinScale, MaxScale, minExclusive: false, "a positive factor");
            if (Object(pre, "preprocessing.alignment", nullable: true) is { } alignment)
            {
                if (Text(alignment, "preprocessing.alignment.kind") is { } kind && kind != "euclidean")
                    Problem("preprocessing.alignment.kind", $"is '{kind}', but only 'euclidean' alignment is known");
                if (Text(alignment, "preprocessing.alignment.mode") is { } mode && mode is not (ModelCardAlignment.Offline or ModelCardAlignment.Online))
                    Problem("preprocessing.alignment.mode", $"is '{mode}', but it must be '{ModelCardAlignment.Offline}' (a fixed matrix) or '{ModelCardAlignment.Online}' (online Euclidean alignment)");
                SquareNumbers(alignment, "preprocessing.alignment.matrix", float.MaxValue, "a float32 value");
                // A covariance in any unit (V² to µV²) stays well inside double; beyond 1e300 its sums would overflow.
                if (alignment.TryGetProperty("reference", out var oldNote) && oldNote.ValueKind == JsonValueKind.String)
                    Problem("preprocessing.alignment.reference", "is text, as an older card's note was; the key now holds the online reference matrix, so rename it to 'note'");
                else
                    SquareNumbers(alignment, "preprocessing.alignment.reference", 1e300, "a covariance value");
                Number(alignment, "preprocessing.alignment.warmup", required: false, 0, 1e9, minExclusive: false, "a number of windows", nullable: true);
                Number(alignment, "preprocessing.alignment.eigenFloor", required: false, 0, 1, minExclusive: true, "a fraction of the largest eigenvalue", nullable: true);
            }
        }
        // An SSL upstream (it has hidden_states) has no classes of its own; a decoder needs them.
        var isUpstream = root.TryGetProperty("hidden_states", out var hiddenStates) && hiddenStates.ValueKind != JsonValueKind.Null;
        Texts(root, "classes", required: !isUpstream, atLeastOne: !isUpstream, distinct: true);
        Texts(root, "markers", distinct: true, nonEmpty: false);
        if (Object(root, "commands") is { } commands)
            foreach (var p in commands.EnumerateObject())
                TextValue(p.Value, $"commands.{p.Name}", nonEmpty: false);
        Integer(root, "parameters", required: false, 0, long.MaxValue);
        if (Text(root, "upstream") is { } upstream && upstream.IndexOfAny(['/', '\\']) >= 0)
            Problem("upstream", $"is '{upstream}', but it must name a file beside the card (no folder)");
        if (Object(root, "hidden_states", nullable: true) is { } hidden)
        {
            Integer(hidden, "hidden_states.layers", required: true, 1, 10_000);
            Integer(hidden, "hidden_states.dim", required: true, 1, MaxChannels);
            Text(hidden, "hidden_states.layout");
        }
    }

    private void CheckAgreement(ModelCard card)
    {
        var rate = card.Rate;
        if (card.Window.Seconds > 0 && Math.Abs(card.Window.Seconds * rate - card.Window.Samples) > 0.5)
            Problem("window.seconds", $"is {N(card.Window.Seconds)} s, but window.samples / rate is {N(card.Window.Samples / rate)} s");
        if (card.Window is { TMin: { } tmin, TMax: { } tmax } && !(tmax > tmin))
            Problem("window.tmax", $"is {N(tmax)} s, not after window.tmin ({N(tmin)} s)");
        if (card.Input.Layout == "NCT" && card.Input.Shape.Count == 3)
        {
            if (card.Input.Shape[1] != -1 && card.Input.Shape[1] != card.Channels.Count)
                Problem("input.shape[1]", $"is {card.Input.Shape[1]}, but the card lists {Count(card.Channels.Count, "channel")}");
            if (card.Input.Shape[2] != -1 && card.Input.Shape[2] != card.Window.Samples)
                Problem("input.shape[2]", $"is {card.Input.Shape[2]}, but window.samples is {card.Window.Samples}");
        }
        if (card.Preprocessing.Band is [{ } low, { } high])
        {
            if (!(high > low)) Problem("preprocessing.band", $"is [{N(low)}, {N(high)}] Hz; the upper edge must be above the lower");
            else if (!(high < rate / 2)) Problem("preprocessing.band", $"reaches {N(high)} Hz, not below half the rate ({N(rate / 2)} Hz)");
        }
        if (card.Preprocessing.Notch is > 0 and var notch && !(notch < rate / 2))
            Problem("preprocessing.notch", $"is {N(notch)} Hz, not below half the rate ({N(rate / 2)} Hz)");
        if (card.Preprocessing.Alignment is { } alignment)
        {
            var n = card.Channels.Count;
            if (alignment.Matrix is { } m && (m.Count != n || m.Any(r => r.Count != n)))
                Problem("preprocessing.alignment.matrix", $"is not {n} x {n} (one row and column per channel)");
            if (alignment.Reference is { } p)
            {
                if (p.Count != n || p.Any(r => r.Count != n))
                    Problem("preprocessing.alignment.reference", $"is not {n} x {n} (one row and column per channel)");
                else if (FirstAsymmetry(p) is { } at)
                    Problem("preprocessing.alignment.reference", $"is not symmetric ([{at.Row}][{at.Column}] is {N(p[at.Row][at.Column])} but [{at.Column}][{at.Row}] is {N(p[at.Column][at.Row])}); a covariance is symmetric");
            }
            if (alignment.IsOnline && alignment.Reference is not null && alignment.Warmup is null)
                Problem("preprocessing.alignment.warmup", "is missing; an online reference needs its weight in windows (0 to ignore it)");
            if (alignment.IsOnline && alignment.Warmup is > 0 && alignment.Reference is null)
                Problem("preprocessing.alignment.reference", $"is missing, but warmup is {N(alignment.Warmup.Value)}; give the population reference or set warmup to 0");
            if (!alignment.IsOnline && (alignment.Reference is not null || alignment.Warmup is not null || alignment.EigenFloor is not null))
                Problem("preprocessing.alignment.mode", $"is '{alignment.Mode ?? ModelCardAlignment.Offline}', but the card gives online settings (reference, warmup or eigenFloor); set mode to '{ModelCardAlignment.Online}' or remove them");
        }
        if (card.Markers.Count > 0 && card.Markers.Count != card.Classes.Count)
            Problem("markers", $"lists {Count(card.Markers.Count, "marker")} for {Count(card.Classes.Count, "class")}; give one per class, in the same order");
        foreach (var name in card.Commands.Keys)
            if (!card.Classes.Contains(name))
                Problem($"commands.{name}", $"names '{name}', which is not one of the classes ({string.Join(", ", card.Classes)})");
    }

    // A list of rows of numbers, each within ±max (the shape against the channels is checked in CheckAgreement).
    private void SquareNumbers(JsonElement parent, string path, double max, string meaning)
    {
        if (List(parent, path, nullable: true) is not { } rows) return;
        for (var r = 0; r < rows.GetArrayLength(); r++)
            if (ListValue(rows[r], $"{path}[{r}]") is { } row)
                for (var c = 0; c < row.GetArrayLength(); c++)
                    NumberValue(row[c], $"{path}[{r}][{c}]", -max, max, minExclusive: false, meaning);
    }

    private static (int Row, int Column)? FirstAsymmetry(IReadOnlyList<IReadOnlyList<double>> m)
    {
        for (var i = 0; i < m.Count; i++)
            for (var j = 0; j < i; j++)
            {
                double a = m[i][j], b = m[j][i];
                if (Math.Abs(a - b) > 1e-6 * (Math.Abs(a) + Math.Abs(b)) + double.Epsilon) return (i, j);
            }
        return null;
    }

    private JsonElement? Get(JsonElement parent, string path, bool required, bool nullable = false)
    {
        var key = path[(path.LastIndexOf('.') + 1)..];
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(key, out var value))
        {
            if (required) Problem(path, "is missing");
            return null;
        }
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (!nullable) Problem(path, required ? "is null; it must be given" : "is null; leave it out or give a value");
            return null;
        }
        return value;
    }

    private string? Text(JsonElement parent, string path, bool required = false, bool nonEmpty = true) =>
        Get(parent, path, required) is { } e ? TextValue(e, path, nonEmpty) : null;

    private string? TextValue(JsonElement e, string path, bool nonEmpty)
    {
        if (e.ValueKind != JsonValueKind.String) { Problem(path, $"must be text, not {Describe(e)}"); return null; }
        var s = e.GetString()!;
        if (nonEmpty && string.IsNullOrWhiteSpace(s)) { Problem(path, "is empty"); return null; }
        return s;
    }

    private JsonElement? Object(JsonElement parent, string path, bool required = false, bool nullable = false)
    {
        if (Get(parent, path, required, nullable) is not { } e) return null;
        if (e.ValueKind == JsonValueKind.Object) return e;
        Problem(path, $"must be an object {{...}}, not {Describe(e)}");
        return null;
    }

    private JsonElement? List(JsonElement parent, string path, bool required = false, bool nullable = false) =>
        Get(parent, path, required, nullable) is { } e ? ListValue(e, path) : null;

    private JsonElement? ListValue(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Array) return e;
        Problem(path, $"must be a list [...], not {Describe(e)}");
        return null;
    }

    private void Texts(JsonElement parent, string path, bool required = false, bool atLeastOne = false, bool distinct = false,
        bool nonEmpty = true, int maxCount = int.MaxValue)
    {
        if (List(parent, path, required) is not { } list) return;
        var count = list.GetArrayLength();
        if (atLeastOne && count == 0) { Problem(path, "is empty; it must list at least one name"); return; }
        if (count > maxCount) { Problem(path, $"lists {count} names, more than the {maxCount} accepted"); return; }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < count; i++)
            if (TextValue(list[i], $"{path}[{i}]", nonEmpty) is { } s && distinct && !seen.Add(s))
                Problem($"{path}[{i}]", $"repeats '{s}'; each name must appear once");
    }

    private double? Number(JsonElement parent, string path, bool required, double min, double max, bool minExclusive, string meaning, bool nullable = false) =>
        Get(parent, path, required, nullable) is { } e ? NumberValue(e, path, min, max, minExclusive, meaning) : null;

    private double? NumberValue(JsonElement e, string path, double min, double max, bool minExclusive, string meaning)
    {
        if (e.ValueKind != JsonValueKind.Number) { Problem(path, $"must be a number ({meaning}), not {Describe(e)}"); return null; }
        if (!e.TryGetDouble(out var d) || !double.IsFinite(d)) { Problem(path, $"is {e.GetRawText()}, not a finite number ({meaning})"); return null; }
        if (d < min || d > max || (minExclusive && d == min))
        {
            Problem(path, $"is {N(d)}, but it must be {meaning} {(minExclusive ? "above" : "from")} {N(min)} {(minExclusive ? "and up to" : "to")} {N(max)}");
            return null;
        }
        return d;
    }

    private long? Integer(JsonElement parent, string path, bool required, long min, long max) =>
        Get(parent, path, required) is { } e ? IntegerValue(e, path, min, max) : null;

    private long? IntegerValue(JsonElement e, string path, long min, long max)
    {
        if (e.ValueKind != JsonValueKind.Number) { Problem(path, $"must be a whole number, not {Describe(e)}"); return null; }
        if (!e.TryGetInt64(out var n))
        {
            Problem(path, e.TryGetDouble(out var d) && double.IsFinite(d) && d == Math.Floor(d)
                ? $"is {e.GetRawText()}, beyond any real value (from {min} to {max})"
                : $"is {e.GetRawText()}, not a whole number");
            return null;
        }
        if (n < min || n > max) { Problem(path, $"is {n}, but it must be from {min} to {max}"); return null; }
        return n;
    }

    private void Problem(string path, string problem) => _problems.Add($"'{path}' {problem}");

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"the text \"{Shorten(e.GetString()!)}\"",
        JsonValueKind.Number => $"the number {Shorten(e.GetRawText())}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        _ => "nothing",
    };

    private static string Shorten(string s) => s.Length > 40 ? s[..37] + "..." : s;

    private static string N(double d) => d.ToString("G6", Inv);

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {(noun.EndsWith('s') ? noun + "es" : noun + "s")}";
}
