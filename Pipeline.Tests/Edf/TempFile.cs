namespace Pipeline.Tests.Edf;

/// <summary>A file in the temporary folder that is deleted when disposed.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(byte[] content, string extension = ".edf")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"pipeline-test-{Guid.NewGuid():N}{extension}");
        if (content.Length > 0 || extension != "") File.WriteAllBytes(Path, content);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { File.Delete(Path); } catch (IOException) { }
    }
}
