using System.Text.Json.Serialization;

namespace Pipeline.Host.Service;

/// <summary>The whole <c>pipeline serve</c> configuration file (see <c>pipeline.schema.json</c>).</summary>
internal sealed record ServiceConfiguration
{
    /// <summary>The JSON schema the file claims to follow (editors use it; the service ignores it).</summary>
    [JsonPropertyName("$schema")] public string? Schema { get; init; }
    /// <summary>The HTTP endpoints (health, status, metrics, start/stop).</summary>
    public HttpConfiguration Http { get; init; } = new();
    /// <summary>How the shared runners run the models (inference threads, batch limit); defaults: one thread per core.</summary>
    public InferenceConfiguration Inference { get; init; } = new();
    /// <summary>The sessions to run.</summary>
    public List<SessionConfiguration> Sessions { get; init; } = [];
}
