using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Sources.Lsl;

/// <summary>The short way to name an LSL stream, as the command line and the service configuration write it.</summary>
public static class LslQuery
{
    /// <summary>
    /// Turns <c>type=EEG</c>, <c>name=BioSemi,type=EEG</c> or a raw XPath predicate (<c>name='X' and type='EEG'</c>) into
    /// the predicate LSL's discovery evaluates (values quoted as <see cref="StreamResolver.PropertyQuery"/> does).
    /// </summary>
    /// <exception cref="PipelineException">A term is not <c>key=value</c>.</exception>
    public static string Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        if (text.Contains('\'') || text.Contains(" and ", StringComparison.Ordinal) || text.Contains(" or ", StringComparison.Ordinal)) return text;
        var terms = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(term =>
        {
            var eq = term.IndexOf('=');
            if (eq <= 0 || eq == term.Length - 1)
                throw new PipelineException($"'{term}' is not a stream property; write it as key=value, e.g. type=EEG or name=BioSemi (or give an XPath predicate).");
            return StreamResolver.PropertyQuery(term[..eq].Trim(), term[(eq + 1)..].Trim());
        });
        return string.Join(" and ", terms);
    }
}
