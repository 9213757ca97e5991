using System.Globalization;
using System.Text;

namespace Pipeline.Tests.Edf;

/// <summary>A minimal EDF/EDF+ writer for tests: builds a file byte by byte so that every header field can be controlled.</summary>
internal sealed class EdfTestWriter
{
    internal sealed record Signal(string Label, int SamplesPerRecord, double PhysicalMin = -100, double PhysicalMax = 100,
        int DigitalMin = -32768, int DigitalMax = 32767, string Dimension = "uV", bool IsAnnotation = false);

    public List<Signal> Signals { get; } = [];
    public string Reserved { get; set; } = "";
    public string Duration { get; set; } = "1";
    public string StartDate { get; set; } = "01.02.03";
    public string StartTime { get; set; } = "04.05.06";
    public string? RecordCountField { get; set; }
    public string? HeaderBytesField { get; set; }
    public int RecordCount { get; set; } = 1;

    /// <summary>Digital sample for signal i, record r, sample s (not called for annotation signals).</summary>
    public Func<int, int, int, int> Digital { get; set; } = (i, r, s) => (i * 1000 + r * 100 + s) % 30000;

    /// <summary>Annotation bytes for record r (the whole TAL text of the record, padded with zeros).</summary>
    public Func<int, string> Annotations { get; set; } = r => $"+{r}\u0014\u0014\0";

    public byte[] Build()
    {
        var ns = Signals.Count;
        var ms = new MemoryStream();
        void Put(string text, int width)
        {
            var bytes = Encoding.Latin1.GetBytes(text.PadRight(width));
            ms.Write(bytes, 0, width);
        }
        Put("0", 8);
        Put("X X X X", 80);
        Put("Startdate 01-FEB-2003 X X X", 80);
        Put(StartDate, 8);
        Put(StartTime, 8);
        Put(HeaderBytesField ?? (256 + 256 * ns).ToString(CultureInfo.InvariantCulture), 8);
        Put(Reserved, 44);
        Put(RecordCountField ?? RecordCount.ToString(CultureInfo.InvariantCulture), 8);
        Put(Duration, 8);
        Put(ns.ToString(CultureInfo.InvariantCulture), 4);
        foreach (var s in Signals) Put(s.Label, 16);
        foreach (var _ in Signals) Put("transducer", 80);
        foreach (var s in Signals) Put(s.Dimension, 8);
        foreach (var s in Signals) Put(s.IsAnnotation ? "-1" : Num(s.PhysicalMin), 8);
        foreach (var s in Signals) Put(s.IsAnnotation ? "1" : Num(s.PhysicalMax), 8);
        foreach (var s in Signals) Put(s.DigitalMin.ToString(CultureInfo.InvariantCulture), 8);
        foreach (var s in Signals) Put(s.DigitalMax.ToString(CultureInfo.InvariantCulture), 8);
        foreach (var _ in Signals) Put("HP:0.1Hz", 80);
        foreach (var s in Signals) Put(s.SamplesPerRecord.ToString(CultureInfo.InvariantCulture), 8);
        foreach (var _ in Signals) Put("", 32);
        for (var r = 0; r < RecordCount; r++)
        {
            for (var i = 0; i < ns; i++)
            {
                var s = Signals[i];
                if (s.IsAnnotation)
                {
                    var bytes = new byte[2 * s.SamplesPerRecord];
                    var text = Encoding.UTF8.GetBytes(Annotations(r));
                    Array.Copy(text, bytes, Math.Min(text.Length, bytes.Length));
                    ms.Write(bytes);
                }
                else
                {
                    for (var k = 0; k < s.SamplesPerRecord; k++)
                    {
                        var d = (short)Digital(i, r, k);
                        ms.WriteByte((byte)d);
                        ms.WriteByte((byte)(d >> 8));
                    }
                }
            }
        }
        return ms.ToArray();
    }

    private static string Num(double v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A small valid EDF+C file: two data signals at different rates plus annotations.</summary>
    public static EdfTestWriter Small()
    {
        var w = new EdfTestWriter { Reserved = "EDF+C", RecordCount = 3 };
        w.Signals.Add(new Signal("C3", 8));
        w.Signals.Add(new Signal("C4", 4, -50, 50, -2048, 2047));
        w.Signals.Add(new Signal("EDF Annotations", 16, IsAnnotation: true));
        return w;
    }
}
