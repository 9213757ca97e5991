namespace Pipeline.Tests.Infrastructure;

/// <summary>
/// Locates the project's test data in <c>../shared/data</c> next to the repository (or in
/// <c>PIPELINE_SHARED_DATA</c>). A user's fresh clone has no such folder: tests that need it skip with a
/// reason. In CI (<c>CI=true</c>) a missing folder is an error, so those tests cannot silently vanish.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> Root = new(Find);

    /// <summary>The absolute path of the shared data folder, or null when absent.</summary>
    public static string? Directory => Root.Value;

    /// <summary>True when the shared data folder is present.</summary>
    public static bool Available => Root.Value is not null;

    /// <summary>The reason given when tests skip.</summary>
    public const string SkipReason = "needs ../shared/data beside the repository (real recordings; see README 'Test data'), which this checkout lacks";

    /// <summary>The full path of a file under the shared data folder.</summary>
    public static string File(params string[] parts)
    {
        if (Root.Value is null) throw new InvalidOperationException(SkipReason);
        return Path.Combine([Root.Value, .. parts]);
    }

    /// <summary>The repository root (the folder holding Pipeline.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Pipeline.sln was not found above the test binaries.");
    }

    private static string? Find()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PIPELINE_SHARED_DATA");
        if (!string.IsNullOrEmpty(fromEnv) && System.IO.Directory.Exists(fromEnv)) return Path.GetFullPath(fromEnv);
        var candidate = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data"));
        if (System.IO.Directory.Exists(candidate)) return candidate;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"CI=true but the shared test data was not found at {candidate}: CI must run the data tests.");
        return null;
    }
}

/// <summary>A fact that needs <c>../shared/data</c>; skipped with a clear reason where it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (!SharedData.Available) Skip = SharedData.SkipReason;
    }
}

/// <summary>A theory that needs <c>../shared/data</c>; skipped with a clear reason where it is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (!SharedData.Available) Skip = SharedData.SkipReason;
    }
}
