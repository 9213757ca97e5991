using System.Security.Cryptography;
using System.Text;

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

    /// <summary>The key a request presents: the <c>X-Api-Key</c> header, else <c>Authorization: Bearer</c>.</summary>
    public static string? Presented(string? apiKeyHeader, string? authorization)
    {
        if (!string.IsNullOrEmpty(apiKeyHeader)) return apiKeyHeader;
        const string bearer = "Bearer ";
        return authorization is not null && authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? authorization[bearer.Length..].Trim() : null;
    }
}
