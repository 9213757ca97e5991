using System.CommandLine;
using Pipeline.Core.Signals;
using Pipeline.Lsl;

namespace Pipeline.Host.Cli;

/// <summary>LSL options shared by the verbs that touch the network.</summary>
internal static class LslOptions
{
    public static Option<string?> Config() => new("--lsl-config")
    {
        Description = "An lsl_api.cfg file (scope, addresses, TTL, interfaces, KnownPeers, ports, session id); default: the usual places liblsl looks, LSLAPICFG first.",
    };

    /// <summary>The configuration from <c>--lsl-config</c>, or liblsl's usual search.</summary>
    public static LslConfig Load(string? path)
    {
        try
        {
            if (path is null) return LslConfig.Load();
            if (!File.Exists(path)) throw new PipelineException($"The LSL configuration file '{path}' does not exist; check --lsl-config.");
            return LslConfig.FromFile(path);
        }
        catch (LslException e)
        {
            throw new PipelineException(e.Message, e);
        }
    }

    /// <summary>
    /// Turns <c>type=EEG</c>, <c>name=BioSemi,type=EEG</c> or a raw XPath predicate (<c>name='X' and type='EEG'</c>) into
    /// the predicate LSL's discovery evaluates.
    /// </summary>
    public static string Predicate(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        if (text.Contains('\'') || text.Contains(" and ", StringComparison.Ordinal) || text.Contains(" or ", StringComparison.Ordinal)) return text;
        var terms = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(term =>
        {
            var eq = term.IndexOf('=');
            if (eq <= 0 || eq == term.Length - 1)
                throw new PipelineException($"'{term}' is not a stream property; write it as key=value, e.g. type=EEG or name=BioSemi (or give an XPath predicate).");
            return Pipeline.Lsl.StreamResolver.PropertyQuery(term[..eq].Trim(), term[(eq + 1)..].Trim());
        });
        return string.Join(" and ", terms);
    }
}
