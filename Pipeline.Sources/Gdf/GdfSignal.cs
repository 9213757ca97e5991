namespace Pipeline.Sources.Gdf;

/// <summary>One signal (channel) of a GDF file as its header describes it, with the scaling from stored to physical values.</summary>
public sealed class GdfSignal
{
    internal GdfSignal(int index, string label, string transducer, string physicalDimension, double physicalMinimum,
        double physicalMaximum, double digitalMinimum, double digitalMaximum, int samplesPerRecord, int typeCode,
        double recordDuration, int byteOffset)
    {
        Index = index;
        Label = label;
        Transducer = transducer;
        PhysicalDimension = physicalDimension;
        PhysicalMinimum = physicalMinimum;
        PhysicalMaximum = physicalMaximum;
        DigitalMinimum = digitalMinimum;
        DigitalMaximum = digitalMaximum;
        SamplesPerRecord = samplesPerRecord;
        TypeCode = typeCode;
        BytesPerSample = GdfTypes.Size(typeCode);
        SampleRate = samplesPerRecord / recordDuration;
        ByteOffset = byteOffset;
        Gain = (physicalMaximum - physicalMinimum) / (digitalMaximum - digitalMinimum);
        Offset = physicalMinimum - Gain * digitalMinimum;
    }

    /// <summary>The signal's position in the header (0-based).</summary>
    public int Index { get; }
    /// <summary>The label, trimmed of padding and NULs.</summary>
    public string Label { get; }
    /// <summary>The transducer type.</summary>
    public string Transducer { get; }
    /// <summary>The physical dimension (unit) as text, e.g. <c>µV</c> (empty where a GDF 2 file gives only the unit code).</summary>
    public string PhysicalDimension { get; }
    /// <summary>The physical value that the digital minimum stands for.</summary>
    public double PhysicalMinimum { get; }
    /// <summary>The physical value that the digital maximum stands for.</summary>
    public double PhysicalMaximum { get; }
    /// <summary>The digital value that stands for the physical minimum.</summary>
    public double DigitalMinimum { get; }
    /// <summary>The digital value that stands for the physical maximum.</summary>
    public double DigitalMaximum { get; }
    /// <summary>Samples of this signal in each data record (0: the signal stores no samples).</summary>
    public int SamplesPerRecord { get; }
    /// <summary>The GDF data type code of the stored samples (3 int16, 16 float32, ...).</summary>
    public int TypeCode { get; }
    /// <summary>Bytes per stored sample.</summary>
    public int BytesPerSample { get; }
    /// <summary>Samples per second: samples per record divided by the record duration.</summary>
    public double SampleRate { get; }
    /// <summary>True when the signal stores samples.</summary>
    public bool IsData => SamplesPerRecord > 0;
    /// <summary>Physical units per digital step ("cal"): (pmax − pmin) / (dmax − dmin).</summary>
    public double Gain { get; }
    /// <summary>The physical value of digital 0 ("off"): pmin − gain × dmin.</summary>
    public double Offset { get; }
    /// <summary>Where this signal's samples begin inside a data record, in bytes.</summary>
    internal int ByteOffset { get; }

    /// <summary>The physical value of a stored (digital) value.</summary>
    public double ToPhysical(double digital) => digital * Gain + Offset;
}
