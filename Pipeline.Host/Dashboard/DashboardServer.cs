using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Signals;
using Pipeline.Host.Service;

namespace Pipeline.Host.Dashboard;

/// <summary>
/// The dashboard of a CLI verb: Kestrel on the given address (loopback by default), serving the page and the live
/// feeds of one session. It logs nothing (so no key or URL ends up in a log) and stops with the verb.
/// </summary>
internal sealed class DashboardServer : IDisposable
{
    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The page's address as a browser should open it.</summary>
    public Uri Url { get; }

    /// <summary>True when the page asks for an API key.</summary>
    public bool RequiresKey { get; private init; }

    /// <summary>Starts the server; a non-loopback address needs the key in <see cref="DashboardAddress.ApiKeyVariable"/>.</summary>
    /// <exception cref="PipelineException">The address needs a key and none is set, or the port is taken.</exception>
    public static DashboardServer Start(DashboardAddress address, IDashboardSessions sessions, string? apiKey)
    {
        if (!address.IsLoopback) CheckKey(address, apiKey);
        try
        {
            return StartOn(address, address.Port, sessions, apiKey);
        }
        catch (IOException) when (!address.PortGiven)
        {
            return StartOn(address, 0, sessions, apiKey); // the default port is taken (another session's page): any free one
        }
        catch (IOException e)
        {
            throw new PipelineException($"The dashboard cannot listen on {address.Host}:{address.Port} ({e.InnerException?.Message ?? e.Message}); choose another port with --dashboard HOST:PORT.");
        }
    }

    /// <summary>Refuses a dashboard that other machines can reach without a key of at least 16 characters.</summary>
    /// <exception cref="PipelineException">No key, or a short one.</exception>
    public static void CheckKey(DashboardAddress address, string? apiKey)
    {
        if (string.IsNullOrEmpty(apiKey))
            throw new PipelineException($"A dashboard on {address.Host} can be reached from other machines, so it needs an API key: set {DashboardAddress.ApiKeyVariable} (the page will ask for it), or leave out the address for 127.0.0.1.");
        if (apiKey.Length < 16)
            throw new PipelineException($"{DashboardAddress.ApiKeyVariable} is too short for a dashboard other machines can reach; use at least 16 random characters (e.g. from openssl rand -hex 32).");
    }

    private static DashboardServer StartOn(DashboardAddress address, int port, IDashboardSessions sessions, string? apiKey)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = Environments.Production, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(address.Host, port));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        // The verb owns Ctrl+C and SIGTERM (they end the session and print its summary); the host's console lifetime
        // would swallow SIGTERM and leave the verb running.
        builder.Services.AddSingleton<IHostLifetime, VerbLifetime>();
        var app = builder.Build();
        if (!string.IsNullOrEmpty(apiKey)) ApiKeyCheck.Require(app, apiKey, DashboardEndpoints.IsPublic);
        DashboardEndpoints.Map(app, sessions);
        app.StartAsync().GetAwaiter().GetResult();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = new Uri(bound.Replace("0.0.0.0", Dns.GetHostName(), StringComparison.Ordinal).Replace("[::]", Dns.GetHostName(), StringComparison.Ordinal) + "/");
        return new DashboardServer(app, url) { RequiresKey = !string.IsNullOrEmpty(apiKey) };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            _app.StopAsync().Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException) { }
        catch (SocketException) { }
        ((IDisposable)_app).Dispose();
    }

    /// <summary>A host lifetime that listens to no signal: the verb around the dashboard decides when it stops.</summary>
    private sealed class VerbLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
