using System.CommandLine;
using Pipeline.Host.Cli;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Host.Service;

namespace Pipeline.Host.Verbs;

/// <summary><c>pipeline serve --config pipeline.json</c>: many sessions from one configuration, headless, with an HTTP API.</summary>
internal static class ServeVerb
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "The service configuration (JSON; see Pipeline.Host/Service/pipeline.schema.json and examples/pipeline.json).", Required = true };
        var check = new Option<bool>("--check") { Description = "Only validate the configuration: print every problem, exit 2 if there is one, else 0." };
        var command = new Command("serve", """
            Headless service mode: runs every session of the configuration (LSL, replay or simulator sources for EEG; a
            microphone or a WAV-file replay for speech with a keyword model; each with its preprocessing, model,
            decisions, sinks and XDF recording) on the .NET Generic Host, with systemd
            integration (Type=notify; see deploy/pipeline.service). The configuration is validated first: every
            problem is printed with its place (e.g. sessions[2].model.path: file not found) and nothing starts.

            HTTP (default http://127.0.0.1:8740; a non-loopback address needs http.apiKey):
              GET /health, /health/live, /health/ready    liveness and readiness (200 or 503)
              GET /status                                 per session: state, input rate, windows, drops, latency;
                                                          per model: inference threads, batch limit, sessions
              GET /metrics                                Prometheus (OpenTelemetry): latency histogram, counters, target_info
              GET /                                       the live dashboard (the page asks for the API key where one is set)
              POST /sessions/{id}/start, /sessions/{id}/stop

            Inference: the sessions of one model and device share one runner; "inference": { "workers": 2 } gives
            it 2 inference threads (default: one per core; 1-64), maxBatch the batch limit (0: chosen at warm-up).

            SIGTERM, SIGHUP or Ctrl+C stops the sources, drains, closes recordings (footers) and exits 0 within 5 s.

            Examples:
              pipeline serve --config examples/pipeline.json
              pipeline serve --config /etc/pipeline/pipeline.json --check
            """) { config, check };
        command.SetAction(parse => UserError.Run(() => Serve(parse.GetValue(config)!, parse.GetValue(check))));
        return command;
    }

    /// <summary>Validates, then runs until SIGTERM/Ctrl+C; 2 when the configuration has problems.</summary>
    internal static int Serve(string path, bool checkOnly)
    {
        var (config, parseError) = ServiceConfigurationLoader.Load(path);
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
        var errors = parseError is not null ? [parseError] : ServiceConfigurationValidator.Validate(config!, baseDirectory);
        if (errors.Count > 0)
        {
            foreach (var e in errors) Console.Error.WriteLine($"error: {e}");
            Console.Error.WriteLine($"{errors.Count} problem{(errors.Count == 1 ? "" : "s")} in '{path}'; nothing was started.");
            return UserError.ExitUserError;
        }
        if (checkOnly)
        {
            Console.WriteLine($"'{path}': {config!.Sessions.Count} sessions, configuration valid.");
            return 0;
        }
        var app = ServiceApplication.Build(config!, baseDirectory);
        // The host stops cleanly at SIGTERM, SIGINT and SIGQUIT; SIGHUP (the terminal closed) would end the process
        // at once without footers, so it stops the service the same way.
        using var hangUp = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            app.Lifetime.StopApplication();
        });
        try
        {
            if (LiveStatus.OnTerminal) RunWithStartUpStatus(app);
            else app.Run();
        }
        catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"error: http.urls: cannot listen on {string.Join(", ", config!.Http.Urls)} ({e.InnerException?.Message ?? "address in use"}); choose another port.");
            return UserError.ExitUserError;
        }
        return 0;
    }

    /// <summary>
    /// On a terminal: a live line while the sessions start (models load, streams resolve), until every wanted session
    /// runs, one fails or the service stops; then the service runs as <c>app.Run()</c> would. Redirected output
    /// (systemd's journal, a file) never takes this path.
    /// </summary>
    private static void RunWithStartUpStatus(Microsoft.AspNetCore.Builder.WebApplication app)
    {
        try
        {
            app.Start();
            var host = app.Services.GetRequiredService<SessionHost>();
            var stopping = app.Lifetime.ApplicationStopping;
            var started = System.Diagnostics.Stopwatch.StartNew();
            string Line()
            {
                var wanted = host.Sessions.Where(s => s.Wanted).ToArray();
                return $"starting {started.Elapsed:mm\\:ss}: {wanted.Count(s => s.State == SessionState.Running)} of {wanted.Length} sessions running" +
                    (wanted.FirstOrDefault(s => s.State == SessionState.Starting) is { } next ? $" (starting '{next.Id}')" : "");
            }
            LiveStatus.Run(Line, () =>
            {
                while (!host.Ready && !stopping.IsCancellationRequested && started.Elapsed < TimeSpan.FromMinutes(2)
                       && !host.Sessions.Any(s => s.Wanted && s.State == SessionState.Failed))
                    stopping.WaitHandle.WaitOne(100);
                return 0;
            });
            app.WaitForShutdown();
        }
        finally
        {
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
