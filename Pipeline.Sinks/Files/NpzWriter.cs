using System.IO.Compression;
using System.Text;
using Pipeline.Core.Signals;

namespace Pipeline.Sinks.Files;

/// <summary>
/// Writes a NumPy <c>.npz</c> archive: a ZIP whose entries are <c>name.npy</c> (format v1.0) arrays, readable
/// with <c>numpy.load</c>. Arrays are written in C order; large float arrays are streamed, never copied whole.
/// Dispose to finish the archive.
/// </summary>
public sealed class NpzWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly ZipArchive _zip;
    private readonly CompressionLevel _level;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private bool _entryOpen;
    private bool _disposed;

    /// <summary>Creates (or replaces) the archive at <paramref name="path"/>; <paramref name="compress"/> deflates entries (like <c>numpy.savez_compressed</c>).</summary>
    public NpzWriter(string path, bool compress = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
        _level = compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression;
        try
        {
            _file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new PipelineException($"The .npz file '{path}' could not be created ({e.Message}); check that its folder exists and is writable.", e);
        }
        _zip = new ZipArchive(_file, ZipArchiveMode.Create, leaveOpen: false);
    }

    /// <summary>The archive's path.</summary>
    public string Path { get; }

    /// <summary>Adds a float32 (<c>&lt;f4</c>) array; an empty <paramref name="shape"/> means one dimension of <c>data.Length</c>.</summary>
    public void Add(string name, ReadOnlySpan<float> data, params int[] shape) => AddNumeric(name, "<f4", data, shape);

    /// <summary>Adds a float64 (<c>&lt;f8</c>) array; an empty <paramref name="shape"/> means one dimension of <c>data.Length</c>.</summary>
    public void Add(string name, ReadOnlySpan<double> data, params int[] shape) => AddNumeric(name, "<f8", data, shape);

    /// <summary>Adds an int64 (<c>&lt;i8</c>) array; an empty <paramref name="shape"/> means one dimension of <c>data.Length</c>.</summary>
    public void Add(string name, ReadOnlySpan<long> data, params int[] shape) => AddNumeric(name, "<i8", data, shape);

    /// <summary>Adds an int32 (<c>&lt;i4</c>) array; an empty <paramref name="shape"/> means one dimension of <c>data.Length</c>.</summary>
    public void Add(string name, ReadOnlySpan<int> data, params int[] shape) => AddNumeric(name, "<i4", data, shape);

    /// <summary>Adds a text array (<c>&lt;U{n}</c>, n = the longest text in code points, at least 1); an empty <paramref name="shape"/> means <c>(count,)</c>.</summary>
    public void Add(string name, IReadOnlyList<string> texts, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(texts);
        CheckShape(name, texts.Count, ref shape);
        WriteTexts(name, texts, shape);
    }

    /// <summary>Adds a float64 scalar (shape <c>()</c>).</summary>
    public void AddScalar(string name, double value) => AddNumeric(name, "<f8", new ReadOnlySpan<double>(in value), [], scalar: true);

    /// <summary>Adds an int64 scalar (shape <c>()</c>).</summary>
    public void AddScalar(string name, long value) => AddNumeric(name, "<i8", new ReadOnlySpan<long>(in value), [], scalar: true);

    /// <summary>Adds a text scalar (<c>&lt;U{n}</c>, shape <c>()</c>).</summary>
    public void AddScalar(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteTexts(name, [value], []);
    }

    /// <summary>
    /// Opens a float32 array of the given shape whose values are then written piece by piece through the returned
    /// writer (dispose it before adding the next array); for arrays too large to hold in memory at once.
    /// </summary>
    public NpyArrayWriter BeginFloat32(string name, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            count *= d;
        }
        var entry = OpenEntry(name, "<f4", shape);
        return new NpyArrayWriter(entry, name, count, () => _entryOpen = false);
    }

    /// <summary>Finishes the archive (writes the ZIP directory) and closes the file.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _zip.Dispose();
    }

    private void AddNumeric<T>(string name, string descr, ReadOnlySpan<T> data, int[] shape, bool scalar = false) where T : unmanaged
    {
        if (!scalar) CheckShape(name, data.Length, ref shape);
        using var entry = OpenEntry(name, descr, shape);
        try
        {
            NpyArrayWriter.WriteLittleEndian(entry, data);
        }
        catch (IOException e)
        {
            throw WriteFailed(e);
        }
        _entryOpen = false;
    }

    private void WriteTexts(string name, IReadOnlyList<string> texts, int[] shape)
    {
        var width = 1;
        foreach (var text in texts)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(texts));
            width = Math.Max(width, CodePoints(text));
        }
        using var entry = OpenEntry(name, $"<U{width}", shape);
        var row = new byte[width * 4];
        foreach (var text in texts)
        {
            Array.Clear(row);
            var at = 0;
            foreach (var rune in text.EnumerateRunes())
            {
                NpyArrayWriter.WriteCodePoint(row.AsSpan(at, 4), rune.Value);
                at += 4;
            }
            try
            {
                entry.Write(row);
            }
            catch (IOException e)
            {
                throw WriteFailed(e);
            }
        }
        _entryOpen = false;
    }

    private static int CodePoints(string text)
    {
        var n = 0;
        foreach (var _ in text.EnumerateRunes()) n++;
        return n;
    }

    private static void CheckShape(string name, int length, ref int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0)
        {
            shape = [length];
            return;
        }
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), d, $"The shape of '{name}' has a negative dimension.");
            count *= d;
        }
        if (count != length)
            throw new ArgumentException($"The shape ({string.Join(", ", shape)}) of '{name}' holds {count} values but {length} were given.", nameof(shape));
    }

    private Stream OpenEntry(string name, string descr, int[] shape)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_entryOpen) throw new InvalidOperationException("Dispose the previous NpyArrayWriter before adding another array.");
        if (!_names.Add(name)) throw new ArgumentException($"The archive already holds an array named '{name}'.", nameof(name));
        var header = NpyHeader.Build(descr, shape);
        try
        {
            var stream = _zip.CreateEntry(name + ".npy", _level).Open();
            stream.Write(header);
            _entryOpen = true;
            return stream;
        }
        catch (IOException e)
        {
            throw WriteFailed(e);
        }
    }

    private PipelineException WriteFailed(IOException e) =>
        new($"The .npz file '{Path}' could not be written ({e.Message}); check the free disk space.", e);
}
