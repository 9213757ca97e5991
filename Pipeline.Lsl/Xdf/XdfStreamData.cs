namespace Pipeline.Lsl.Xdf;

/// <summary>All samples of one stream, loaded into memory by <see cref="XdfFile.Load(string, bool)"/>; values frame-major.</summary>
public sealed class XdfStreamData
{
    /// <summary>The stream's header, footer and clock information.</summary>
    public required XdfStream Stream { get; init; }

    /// <summary>One timestamp per frame.</summary>
    public required double[] Timestamps { get; init; }

    /// <summary>Numeric values as float (<c>Count x channels</c>); empty for string streams.</summary>
    public required float[] Values { get; init; }

    /// <summary>Exact values for double64, int32 and int64 streams; null otherwise.</summary>
    public double[]? Values64 { get; init; }

    /// <summary>Exact values of int64 streams (a double holds integers only up to 2^53); null otherwise.</summary>
    public long[]? Int64Values { get; init; }

    /// <summary>String values (<c>Count x channels</c>); empty for numeric streams.</summary>
    public required string[] Strings { get; init; }

    /// <summary>Frames decoded.</summary>
    public int Count => Timestamps.Length;
}
