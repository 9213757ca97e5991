using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Pipeline.Host.Dashboard;

namespace Pipeline.Host.Service;

/// <summary>
/// Composes the service: the Generic Host with systemd integration (notify, journal-friendly logs), the sessions as a
/// hosted service, Kestrel with the HTTP API, the API key check, and the Prometheus endpoint through OpenTelemetry.
/// </summary>
internal static class ServiceApplication
{
    /// <summary>The service's name in OpenTelemetry's resource (Prometheus: <c>target_info{service_name="pipeline"}</c>).</summary>
    public const string ServiceName = "pipeline";

    /// <summary>The whole process may take this long to stop after SIGTERM (sessions get <see cref="SessionHost.StopTimeout"/>).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(4.5);

    /// <summary>Builds the application for a validated configuration (nothing runs before <c>Run</c>/<c>StartAsync</c>).</summary>
    public static WebApplication Build(ServiceConfiguration config, string baseDirectory)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            EnvironmentName = Environments.Production,
            ContentRootPath = baseDirectory,
        });
        builder.WebHost.UseUrls([.. config.Http.Urls]);
        builder.Services.AddSystemd();
        builder.Logging.ClearProviders();
        // On a terminal the log goes through Spectre.Console, so a live status line and log lines never mix.
        if (Cli.LiveStatus.OnTerminal) builder.Logging.AddProvider(new Cli.TerminalLoggerProvider(Spectre.Console.AnsiConsole.Console));
        else
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddSingleton(sp => new SessionHost(config, baseDirectory, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<IHostApplicationLifetime>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SessionHost>());
        builder.Services.AddSingleton<ServiceMetrics>();
        builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService(ServiceName, serviceVersion: typeof(ServiceApplication).Assembly.GetName().Version?.ToString())).WithMetrics(m => m.AddMeter(ServiceMetrics.MeterName).AddPrometheusExporter());

        var app = builder.Build();
        var host = app.Services.GetRequiredService<SessionHost>();
        app.Services.GetRequiredService<ServiceMetrics>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Http");
        // No exception text or stack trace ever leaves the process: they go to the log only.
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                log.LogError(e, "request {Path} failed", context.Request.Path.Value);
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await context.Response.WriteAsJsonAsync(new { error = "internal error; see the service log" }).ConfigureAwait(false);
            }
        });
        // The same key guards the API and the dashboard's data; the page's own files are public (they hold no data).
        if (!string.IsNullOrEmpty(config.Http.ApiKey)) ApiKeyCheck.Require(app, config.Http.ApiKey, DashboardEndpoints.IsPublic);
        ServiceEndpoints.Map(app, host);
        DashboardEndpoints.Map(app, new ServiceDashboard(host));
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
