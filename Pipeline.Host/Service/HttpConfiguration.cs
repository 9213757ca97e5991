namespace Pipeline.Host.Service;

/// <summary>Where the HTTP API listens and the key it demands.</summary>
internal sealed record HttpConfiguration
{
    /// <summary>The default address: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8740";
    /// <summary>URLs to listen on (default loopback port 8740).</summary>
    public List<string> Urls { get; init; } = [DefaultUrl];
    /// <summary>The key every request must present (X-Api-Key or Authorization: Bearer); required for a non-loopback address.</summary>
    public string? ApiKey { get; init; }
}
