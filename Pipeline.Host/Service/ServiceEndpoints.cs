using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pipeline.Host.Service;

/// <summary>The HTTP API: health (live/ready), status, start and stop of a session. <c>/metrics</c> is mapped by OpenTelemetry.</summary>
internal static class ServiceEndpoints
{
    /// <summary>Maps the endpoints onto <paramref name="app"/>.</summary>
    public static void Map(IEndpointRouteBuilder app, SessionHost host)
    {
        app.MapGet("/health", () => Health(host));
        app.MapGet("/health/ready", () => Health(host));
        app.MapGet("/health/live", () => Results.Json(new { live = true }));
        app.MapGet("/status", () => Results.Json(new { ready = host.Ready, process = ProcessStatus(), inference = InferenceStatus(host), sessions = host.Sessions.Select(SessionStatus.Of).ToArray() }));
        app.MapPost("/sessions/{id}/start", (string id) =>
        {
            if (!host.ById.TryGetValue(id, out var s)) return NotFound(id);
            return s.Start()
                ? Results.Json(new { id = s.Id, state = Name(s.State) }, statusCode: StatusCodes.Status202Accepted)
                : Results.Json(new { error = $"session '{s.Id}' is already {Name(s.State)}" }, statusCode: StatusCodes.Status409Conflict);
        });
        app.MapPost("/sessions/{id}/stop", async (string id) =>
        {
            if (!host.ById.TryGetValue(id, out var s)) return NotFound(id);
            var stopped = await Task.Run(() => s.Stop(SessionHost.StopTimeout)).ConfigureAwait(false);
            return Results.Json(new { id = s.Id, state = Name(s.State) }, statusCode: stopped ? StatusCodes.Status200OK : StatusCodes.Status202Accepted);
        });
    }

    private static IResult Health(SessionHost host)
    {
        var ready = host.Ready;
        // A failed session says why right here, so a probe's log shows the cause without a second request.
        var failures = host.Sessions.Where(s => s.State == SessionState.Failed).ToDictionary(s => s.Id, s => s.Reason);
        return Results.Json(new { live = true, ready, sessions = host.Sessions.ToDictionary(s => s.Id, s => Name(s.State)), failures },
            statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    // The settings every shared runner starts with, and each runner in use: its model, threads and sessions.
    private static object InferenceStatus(SessionHost host) => new
    {
        workers = host.Inference.EffectiveWorkers,
        workersFrom = host.Inference.Workers is null ? "one per core" : "configuration",
        maxBatch = host.Inference.MaxBatch,
        maxDelayMs = host.Inference.MaxDelayMs,
        queueCapacity = host.Inference.QueueCapacity,
        models = RunnerStatus.Of(host),
    };

    private static IResult NotFound(string id) => Results.Json(new { error = $"no session '{id}'" }, statusCode: StatusCodes.Status404NotFound);

    private static string Name(SessionState state) => state.ToString().ToLowerInvariant();

    // Memory as the operating system and the garbage collector see it, so a soak can tell a leak from a warm-up.
    private static object ProcessStatus()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        return new
        {
            workingSetMb = Math.Round(process.WorkingSet64 / 1048576.0, 1),
            managedHeapMb = Math.Round(gc.HeapSizeBytes / 1048576.0, 1),
            managedLiveMb = Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1),
            gen2Collections = GC.CollectionCount(2),
        };
    }
}
