namespace Pipeline.Host.Service;

/// <summary>One problem of a configuration: where (<c>sessions[2].model.path</c>) and what.</summary>
internal sealed record ConfigurationError(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message}";
}
