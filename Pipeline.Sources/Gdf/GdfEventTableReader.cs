using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Pipeline.Core.Signals;
using Pipeline.Sources.IO;

namespace Pipeline.Sources.Gdf;

/// <summary>
/// Reads the event table that follows a GDF file's declared data records (layout in <see cref="GdfFile"/>'s
/// remarks) as markers. A damaged table never throws: its events are left out and the reason is added to the
/// warnings.
/// </summary>
internal static class GdfEventTableReader
{
    /// <summary>
    /// The events of the table at byte <paramref name="at"/> of a file of <paramref name="length"/> bytes, ordered by
    /// time; positions are timed by the table's own rate, or <paramref name="signalRate"/> where it gives none.
    /// </summary>
    public static List<Marker> Read(SafeFileHandle handle, long at, long length, bool v2, double signalRate,
        IReadOnlyList<GdfSignal> signals, string name, List<string> warnings)
    {
        var markers = new List<Marker>();
        if (length - at < 8)
        {
            warnings.Add($"'{name}' has {length - at} bytes after its data records, too few for an event table header; they were ignored.");
            return markers;
        }
        Span<byte> head = stackalloc byte[8];
        PositionalRead.Fully(handle, head, at);
        var mode = head[0];
        var uint24 = head[1] | (head[2] << 8) | (head[3] << 16);
        long count;
        double rate;
        if (v2)
        {
            count = uint24;
            rate = BinaryPrimitives.ReadSingleLittleEndian(head[4..]);
        }
        else
        {
            rate = uint24;
            count = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
        }
        if (!double.IsFinite(rate) || rate <= 0) rate = signalRate;
        if (mode is not (1 or 3))
        {
            warnings.Add($"The event table of '{name}' has mode {mode}, not 1 or 3; its events were ignored.");
            return markers;
        }
        var entryBytes = mode == 3 ? 12 : 6;
        if (count * entryBytes > length - at - 8 || count * entryBytes > int.MaxValue)
        {
            warnings.Add($"The event table of '{name}' declares {count} events but the file ends before them; its events were ignored.");
            return markers;
        }
        var n = (int)count;
        var table = new byte[n * entryBytes];
        PositionalRead.Fully(handle, table, at + 8);
        var t = table.AsSpan();
        for (var k = 0; k < n; k++)
        {
            var position = BinaryPrimitives.ReadUInt32LittleEndian(t[(4 * k)..]);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(t[(4 * n + 2 * k)..]);
            var channel = mode == 3 ? BinaryPrimitives.ReadUInt16LittleEndian(t[(6 * n + 2 * k)..]) : 0;
            var duration = mode == 3 ? BinaryPrimitives.ReadUInt32LittleEndian(t[(8 * n + 4 * k)..]) : 0u;
            // Positions count samples from 1; a 0 (seen in some writers) is taken as the first sample.
            var time = (Math.Max(position, 1u) - 1) / rate;
            var stream = channel >= 1 && channel <= signals.Count ? signals[channel - 1].Label : "GDF events";
            markers.Add(new Marker(time, type.ToString(CultureInfo.InvariantCulture), duration / rate, stream));
        }
        // A stable sort keeps the file order of simultaneous events.
        return [.. markers.OrderBy(m => m.Timestamp)];
    }

}
