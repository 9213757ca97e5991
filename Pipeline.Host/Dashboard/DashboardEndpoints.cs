using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pipeline.Host.Dashboard;

/// <summary>
/// The dashboard's HTTP surface: the page and its files at <c>/</c> and <c>/dashboard/*</c> (public: they hold no
/// data), the session list at <c>/api/sessions</c>, and each session's live feed at <c>/api/sessions/{id}/live</c>
/// (Server-Sent Events). The data endpoints sit behind the same API key check as the service's API; the page sends the
/// key as a header, never in a URL.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>Live feeds open at once, all sessions together: each costs a little CPU on the server, never on a session.</summary>
    public const int MaxLiveFeeds = 16;
    private static int _liveFeeds;

    // The page runs only our own files: no inline script, no other origin, not framed.
    private const string ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>Maps the page and its API onto <paramref name="app"/>.</summary>
    public static void Map(IEndpointRouteBuilder app, IDashboardSessions sessions)
    {
        app.MapGet("/", (HttpContext context) => Serve(context, "index.html"));
        app.MapGet("/dashboard/{file}", (HttpContext context, string file) => Serve(context, file));
        app.MapGet("/api/sessions", () => Results.Json(new { title = sessions.Title, controllable = sessions.Controllable, sessions = sessions.List() }, DashboardJson.Options));
        app.MapGet("/api/sessions/{id}/live", async (HttpContext context, string id) =>
        {
            if (!sessions.Exists(id))
            {
                await Results.Json(new { error = $"no session '{id}'" }, statusCode: StatusCodes.Status404NotFound).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
            if (Interlocked.Increment(ref _liveFeeds) > MaxLiveFeeds)
            {
                Interlocked.Decrement(ref _liveFeeds);
                await Results.Json(new { error = $"{MaxLiveFeeds} live views are open already; close one" }, statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
            try
            {
                await LiveFeed.Serve(context, sessions, id).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _liveFeeds);
            }
        });
    }

    /// <summary>True for the requests that need no API key: the page's static files, which carry no session data.</summary>
    public static bool IsPublic(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && (request.Path == "/" || (request.Path.StartsWithSegments("/dashboard", out var rest) && rest.HasValue && rest.Value!.LastIndexOf('/') == 0));

    private static IResult Serve(HttpContext context, string name)
    {
        if (DashboardAssets.Find(name) is not { } asset) return Results.NotFound();
        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (context.Request.Headers.IfNoneMatch == asset.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
