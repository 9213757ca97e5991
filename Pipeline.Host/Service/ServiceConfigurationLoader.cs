using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Host.Service;

/// <summary>Reads a configuration file; JSON errors come back with the place they were found.</summary>
internal static class ServiceConfigurationLoader
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Parses <paramref name="json"/>; on failure returns null and the error, named by its JSON path.</summary>
    public static (ServiceConfiguration? Configuration, ConfigurationError? Error) Parse(string json)
    {
        try
        {
            var config = JsonSerializer.Deserialize<ServiceConfiguration>(json, Options);
            return config is null ? (null, new ConfigurationError("(file)", "the file holds null; write a JSON object with \"sessions\"")) : (config, null);
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "(file)" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
            var line = e.LineNumber is { } l ? $" (line {l + 1})" : "";
            var message = e.Message.Contains("could not be mapped", StringComparison.Ordinal) && e.Message.Split('\'') is { Length: >= 3 } parts
                ? $"unknown setting '{parts[1]}'{line}; see pipeline.schema.json for the settings"
                // A value of the wrong kind ("two" or 2.5 for a count) comes with the reader's reason as inner exception;
                // only a reader failure (JsonReaderException) is malformed JSON.
                : e.Message.Contains("could not be converted", StringComparison.Ordinal) && e.InnerException?.GetType().Name != "JsonReaderException"
                    ? $"wrong type of value{line}{Expected(e.Message)}; see pipeline.schema.json"
                    : $"not valid JSON here{line}";
            return (null, new ConfigurationError(path, message));
        }
    }

    // "could not be converted to System.Nullable`1[System.Int32]": say what kind of value belongs there, in JSON's words.
    private static string Expected(string message)
    {
        var at = message.IndexOf("converted to ", StringComparison.Ordinal);
        if (at < 0) return "";
        var type = message[(at + "converted to ".Length)..].Split(". Path", 2)[0];
        if (type.Contains("List`", StringComparison.Ordinal) || type.EndsWith("[]", StringComparison.Ordinal)) return ": give an array";
        if (type.Contains("Dictionary`", StringComparison.Ordinal) || type.EndsWith("Configuration", StringComparison.Ordinal)) return ": give an object";
        if (type.Contains("System.Int32", StringComparison.Ordinal)) return ": give a whole number (at most 2147483647)";
        if (type.Contains("System.Int", StringComparison.Ordinal)) return ": give a whole number";
        if (type.Contains("System.Double", StringComparison.Ordinal) || type.Contains("System.Single", StringComparison.Ordinal)) return ": give a number";
        if (type.Contains("System.Boolean", StringComparison.Ordinal)) return ": give true or false";
        if (type.Contains("System.String", StringComparison.Ordinal)) return ": give text in quotes";
        return "";
    }

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    public static (ServiceConfiguration? Configuration, ConfigurationError? Error) Load(string path)
    {
        if (!File.Exists(path)) return (null, new ConfigurationError("--config", $"the configuration file '{path}' does not exist"));
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, new ConfigurationError("--config", $"the configuration file '{path}' cannot be read ({e.GetType().Name})"));
        }
        return Parse(text);
    }
}
