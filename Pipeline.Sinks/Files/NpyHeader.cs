using System.Globalization;
using System.Text;

namespace Pipeline.Sinks.Files;

/// <summary>Builds the preamble of a NumPy <c>.npy</c> v1.0 file: magic, version, header length and the padded header dict.</summary>
internal static class NpyHeader
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];

    /// <summary>The header dict text exactly as NumPy writes it, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3,), }</c>.</summary>
    internal static string Dict(string descr, ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("{'descr': '").Append(descr).Append("', 'fortran_order': False, 'shape': (");
        for (var i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }
        // Python writes a one-element tuple with a trailing comma.
        if (shape.Length == 1) sb.Append(',');
        return sb.Append("), }").ToString();
    }

    /// <summary>The whole preamble, padded with spaces and ended by a newline so that the data starts at a multiple of 64 bytes.</summary>
    internal static byte[] Build(string descr, ReadOnlySpan<int> shape)
    {
        var dict = Dict(descr, shape);
        var unpadded = Magic.Length + 2 + dict.Length + 1;
        var total = (unpadded + 63) / 64 * 64;
        var headerLength = total - Magic.Length - 2;
        if (headerLength > ushort.MaxValue)
            throw new ArgumentException("The array has too many dimensions for a .npy v1.0 header.", nameof(shape));
        var bytes = new byte[total];
        Magic.CopyTo(bytes, 0);
        bytes[8] = (byte)headerLength;
        bytes[9] = (byte)(headerLength >> 8);
        Encoding.ASCII.GetBytes(dict, 0, dict.Length, bytes, 10);
        bytes.AsSpan(10 + dict.Length, total - 11 - dict.Length).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }
}
