using System.CommandLine;
using Pipeline.Core.Signals;
using Pipeline.Lsl;
using Pipeline.Sources.Lsl;

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

    /// <summary>The LSL predicate of <c>key=value</c> pairs or an XPath predicate (<see cref="LslQuery.Parse"/>).</summary>
    public static string Predicate(string text) => LslQuery.Parse(text);
}
