using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Host.Service;

/// <summary>
/// Compares a presented API key with the configured one in constant time: both are hashed (SHA-256) so that
/// even their lengths are compared without an early exit, then <see cref="CryptographicOperations.FixedTimeEquals"/>.
/// </summary>
internal sealed class ApiKeyCheck(string key)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>True when <paramref name="presented"/> is the key.</summary>
    public bool Matches(string? presented)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? ""), hash);
        return CryptographicOperations.FixedTimeEquals(hash, _expected) && presented is not null;
    }

    /// <summary>
    /// Makes every request present <paramref name="key"/> (X-Api-Key or Authorization: Bearer), except those
    /// <paramref name="isPublic"/> lets through (the dashboard's static files, which hold no data); others get 401.
    /// </summary>
    public static void Require(IApplicationBuilder app, string key, Func<HttpRequest, bool> isPublic)
    {
        var check = new ApiKeyCheck(key);
        app.Use(async (context, next) =>
        {
            if (!isPublic(context.Request))
            {
                var presented = Presented(context.Request.Headers["X-Api-Key"], context.Request.Headers.Authorization);
                if (!check.Matches(presented))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await context.Response.WriteAsJsonAsync(new { error = "missing or wrong API key (send X-Api-Key or Authorization: Bearer)" }).ConfigureAwait(false);
                    return;
                }
            }
            await next(context).ConfigureAwait(false);
        });
    }

    /// <summary>The key a request presents: the <c>X-Api-Key</c> header, else <c>Authorization: Bearer</c>.</summary>
    public static string? Presented(string? apiKeyHeader, string? authorization)
    {
        if (!string.IsNullOrEmpty(apiKeyHeader)) return apiKeyHeader;
        const string bearer = "Bearer ";
        return authorization is not null && authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? authorization[bearer.Length..].Trim() : null;
    }
}
