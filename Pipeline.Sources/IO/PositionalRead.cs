using Microsoft.Win32.SafeHandles;
using Pipeline.Core.Signals;

namespace Pipeline.Sources.IO;

/// <summary>Reads at an offset of an open file until the span is full, for the record-based file readers (EDF, GDF).</summary>
internal static class PositionalRead
{
    /// <summary>Fills as much of <paramref name="destination"/> as the file holds from <paramref name="offset"/>; returns the bytes read.</summary>
    public static int Fully(SafeFileHandle handle, Span<byte> destination, long offset)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var n = RandomAccess.Read(handle, destination[total..], offset + total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Fills <paramref name="destination"/> or throws one clear error naming the file (<paramref name="kind"/>: "EDF", "GDF").</summary>
    public static void Exactly(SafeFileHandle handle, Span<byte> destination, long offset, string kind, string path)
    {
        int got;
        try
        {
            got = Fully(handle, destination, offset);
        }
        catch (IOException e)
        {
            throw new PipelineException($"The {kind} file '{path}' could not be read ({e.Message}); check the disk and the file.", e);
        }
        if (got < destination.Length)
            throw new PipelineException($"The {kind} file '{path}' became shorter while it was read; do not replay a file that is being rewritten.");
    }
}
