using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Npz;

/// <summary>A small, independent .npy parser for tests: magic, v1.0 header dict, raw little-endian data.</summary>
internal sealed partial record NpyTestArray(string Descr, bool FortranOrder, int[] Shape, byte[] Data, int HeaderTotal, string HeaderText)
{
    [GeneratedRegex(@"^\{'descr': '([^']+)', 'fortran_order': (True|False), 'shape': \(([0-9, ]*)\), \} *\n$")]
    private static partial Regex HeaderPattern();

    public static NpyTestArray Parse(byte[] bytes)
    {
        Assert.True(bytes.Length >= 10, "npy too short");
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        var headerLength = bytes[8] | (bytes[9] << 8);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        var m = HeaderPattern().Match(header);
        Assert.True(m.Success, $"header not as numpy writes it: {header}");
        var shape = m.Groups[3].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        return new NpyTestArray(m.Groups[1].Value, m.Groups[2].Value == "True", shape, bytes[(10 + headerLength)..], 10 + headerLength, header);
    }

    public static Dictionary<string, NpyTestArray> ReadNpz(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var result = new Dictionary<string, NpyTestArray>();
        foreach (var entry in zip.Entries)
        {
            Assert.EndsWith(".npy", entry.FullName);
            using var s = entry.Open();
            var ms = new MemoryStream();
            s.CopyTo(ms);
            result[entry.FullName[..^4]] = Parse(ms.ToArray());
        }
        return result;
    }

    public float[] Floats() { Assert.Equal("<f4", Descr); return MemoryMarshalCast<float>(); }
    public double[] Doubles() { Assert.Equal("<f8", Descr); return MemoryMarshalCast<double>(); }
    public long[] Longs() { Assert.Equal("<i8", Descr); return MemoryMarshalCast<long>(); }

    public string[] Texts()
    {
        Assert.StartsWith("<U", Descr);
        var width = int.Parse(Descr[2..]);
        Assert.Equal(0, Data.Length % (4 * width));
        var result = new string[Data.Length / (4 * width)];
        for (var i = 0; i < result.Length; i++)
        {
            var sb = new StringBuilder();
            for (var k = 0; k < width; k++)
            {
                var cp = BitConverter.ToInt32(Data, (i * width + k) * 4);
                if (cp == 0) break;
                sb.Append(char.ConvertFromUtf32(cp));
            }
            result[i] = sb.ToString();
        }
        return result;
    }

    private T[] MemoryMarshalCast<T>() where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(Data).ToArray();
}
