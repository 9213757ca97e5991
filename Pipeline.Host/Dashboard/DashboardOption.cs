using System.CommandLine;
using Pipeline.Core.Signals;
using Spectre.Console;

namespace Pipeline.Host.Dashboard;

/// <summary>The <c>--dashboard [ADDRESS]</c> option of <c>run</c>, <c>replay</c> and <c>listen</c>, and starting the page it asks for.</summary>
internal static class DashboardOption
{
    /// <summary>A new option (each command needs its own instance).</summary>
    public static Option<string?> Create() => new("--dashboard")
    {
        Description = $"Serve a live page (signal, channel quality, probabilities, commands, latency) at this address and print its URL; alone: 127.0.0.1:{DashboardAddress.DefaultPort}. Another machine's address needs {DashboardAddress.ApiKeyVariable}.",
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "ADDRESS",
    };

    /// <summary>The address asked for, or null when the option was not given; a reachable address without a key is refused here, before anything opens.</summary>
    public static DashboardAddress? Parse(ParseResult parse, Option<string?> option)
    {
        if (parse.GetResult(option) is null) return null;
        var address = DashboardAddress.Parse(parse.GetValue(option));
        if (!address.IsLoopback) DashboardServer.CheckKey(address, Environment.GetEnvironmentVariable(DashboardAddress.ApiKeyVariable));
        return address;
    }

    /// <summary>Starts the page for <paramref name="sessions"/> and prints where to open it.</summary>
    public static DashboardServer Start(DashboardAddress address, IDashboardSessions sessions)
    {
        var key = Environment.GetEnvironmentVariable(DashboardAddress.ApiKeyVariable);
        var server = DashboardServer.Start(address, sessions, address.IsLoopback ? null : key);
        var console = AnsiConsole.Console;
        console.MarkupLine($"[bold]dashboard[/] {Markup.Escape(server.Url.ToString())}" +
            (server.RequiresKey ? $" [grey](the page asks for the key in {DashboardAddress.ApiKeyVariable}, or open {Markup.Escape(server.Url.ToString())}#key=...)[/]" : ""));
        return server;
    }
}
