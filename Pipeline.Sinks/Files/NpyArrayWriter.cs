using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Pipeline.Sinks.Files;

/// <summary>
/// Streams the values of one float32 array into an open <c>.npz</c> entry piece by piece (e.g. epoch by epoch),
/// so that a large array never needs one big buffer. Disposing it closes the entry and checks that exactly the
/// declared number of values was written.
/// </summary>
public sealed class NpyArrayWriter : IDisposable
{
    private readonly Stream _entry;
    private readonly string _name;
    private readonly long _expected;
    private readonly Action _onClose;
    private long _written;
    private bool _closed;

    internal NpyArrayWriter(Stream entry, string name, long expected, Action onClose)
    {
        _entry = entry;
        _name = name;
        _expected = expected;
        _onClose = onClose;
    }

    /// <summary>How many values have been written so far.</summary>
    public long Written => _written;

    /// <summary>Appends values in C (row-major) order.</summary>
    public void Write(ReadOnlySpan<float> values)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (_written + values.Length > _expected)
            throw new InvalidOperationException($"The array '{_name}' was declared with {_expected} values; {_written + values.Length} were written.");
        WriteLittleEndian(_entry, values);
        _written += values.Length;
    }

    /// <summary>Closes the entry without the shape check, for a writer that stops early (a requested stop) and discards its file.</summary>
    public void Abandon()
    {
        if (_closed) return;
        _closed = true;
        _entry.Dispose();
        _onClose();
    }

    /// <summary>Closes the entry; throws when fewer values were written than the shape declares.</summary>
    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        _entry.Dispose();
        _onClose();
        if (_written != _expected)
            throw new InvalidOperationException($"The array '{_name}' was declared with {_expected} values but only {_written} were written.");
    }

    /// <summary>Writes unmanaged values as little-endian bytes without copying them on little-endian machines.</summary>
    internal static void WriteLittleEndian<T>(Stream stream, ReadOnlySpan<T> values) where T : unmanaged
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        // Big-endian hosts swap through a small buffer so that memory stays bounded.
        Span<byte> buffer = stackalloc byte[4096];
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var per = buffer.Length / size;
        for (var start = 0; start < values.Length; start += per)
        {
            var chunk = MemoryMarshal.AsBytes(values.Slice(start, Math.Min(per, values.Length - start)));
            var target = buffer[..chunk.Length];
            chunk.CopyTo(target);
            for (var i = 0; i < target.Length; i += size) target.Slice(i, size).Reverse();
            stream.Write(target);
        }
    }

    /// <summary>Writes one little-endian UTF-32 code unit.</summary>
    internal static void WriteCodePoint(Span<byte> destination, int codePoint) =>
        BinaryPrimitives.WriteInt32LittleEndian(destination, codePoint);
}
