namespace Pipeline.Sources.Edf;

/// <summary>One signal of an EDF/BDF file as its header describes it, with the scaling from digital to physical values.</summary>
public sealed class EdfSignal
{
    internal EdfSignal(int index, string label, string transducer, string physicalDimension, double physicalMinimum,
        double physicalMaximum, int digitalMinimum, int digitalMaximum, string prefiltering, int samplesPerRecord,
        double recordDuration, bool isAnnotation, bool isStatus, int byteOffset)
    {
        Index = index;
        Label = label;
        Transducer = transducer;
        PhysicalDimension = physicalDimension;
        PhysicalMinimum = physicalMinimum;
        PhysicalMaximum = physicalMaximum;
        DigitalMinimum = digitalMinimum;
        DigitalMaximum = digitalMaximum;
        Prefiltering = prefiltering;
        SamplesPerRecord = samplesPerRecord;
        SampleRate = recordDuration > 0 ? samplesPerRecord / recordDuration : 0;
        IsAnnotation = isAnnotation;
        IsStatus = isStatus;
        ByteOffset = byteOffset;
        Gain = digitalMaximum != digitalMinimum
            ? (physicalMaximum - physicalMinimum) / ((double)digitalMaximum - digitalMinimum)
            : 0;
    }

    /// <summary>The signal's position in the header (0-based).</summary>
    public int Index { get; }
    /// <summary>The label, trimmed of its padding (e.g. <c>C3..</c>, <c>EDF Annotations</c>, <c>Status</c>).</summary>
    public string Label { get; }
    /// <summary>The transducer type, e.g. <c>AgAgCl electrode</c>.</summary>
    public string Transducer { get; }
    /// <summary>The physical dimension (unit), e.g. <c>uV</c>.</summary>
    public string PhysicalDimension { get; }
    /// <summary>The physical value that the digital minimum stands for.</summary>
    public double PhysicalMinimum { get; }
    /// <summary>The physical value that the digital maximum stands for.</summary>
    public double PhysicalMaximum { get; }
    /// <summary>The smallest digital value.</summary>
    public int DigitalMinimum { get; }
    /// <summary>The largest digital value.</summary>
    public int DigitalMaximum { get; }
    /// <summary>The prefiltering text, e.g. <c>HP:0.1Hz LP:75Hz</c>.</summary>
    public string Prefiltering { get; }
    /// <summary>The number of samples of this signal in each data record.</summary>
    public int SamplesPerRecord { get; }
    /// <summary>Samples per second: samples per record divided by the record duration (0 for annotation-only files).</summary>
    public double SampleRate { get; }
    /// <summary>True for an EDF+/BDF+ annotation signal, whose bytes are text rather than samples.</summary>
    public bool IsAnnotation { get; }
    /// <summary>True for the BDF trigger signal (<c>Status</c>), whose low 16 bits carry event codes.</summary>
    public bool IsStatus { get; }
    /// <summary>True for a signal that holds measured values (neither annotations nor the trigger channel).</summary>
    public bool IsData => !IsAnnotation && !IsStatus;

    /// <summary>Physical units per digital step: (pmax − pmin) / (dmax − dmin).</summary>
    internal double Gain { get; }
    /// <summary>Where this signal's samples begin inside a data record, in bytes.</summary>
    internal int ByteOffset { get; }

    /// <summary>The physical value of one digital sample: (d − dmin) × gain + pmin.</summary>
    public double ToPhysical(int digital) => (digital - (double)DigitalMinimum) * Gain + PhysicalMinimum;

    /// <inheritdoc />
    public override string ToString() => $"{Label} ({SampleRate:0.###} Hz, {PhysicalDimension})";
}
