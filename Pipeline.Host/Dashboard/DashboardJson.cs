using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Host.Dashboard;

/// <summary>The JSON conventions of the dashboard's API (camelCase, nulls left out), as the service's /status uses.</summary>
internal static class DashboardJson
{
    /// <summary>Serializer options for the page's JSON.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
