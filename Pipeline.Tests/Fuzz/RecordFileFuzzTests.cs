using Pipeline.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pipeline.Tests.Fuzz;

/// <summary>The fuzz pass over EDF, BDF and GDF recordings (real files, cut to a few records).</summary>
public sealed class RecordFileFuzzTests(ITestOutputHelper output) : ReaderFuzzTests(output)
{
    [SharedDataFact]
    public void Edf_reader_survives_a_thousand_mutated_recordings()
    {
        var seeds = new List<byte[]>
        {
            CutRecords(File.ReadAllBytes(SharedData.File("eeg", "eegmmidb-S001", "S001R04.edf")), 2, 2),
            File.ReadAllBytes(SharedData.File("edf", "test_utf8_annotations.edf")),
            File.ReadAllBytes(SharedData.File("edf", "subsecond_starttime.edf")),
            CutRecords(File.ReadAllBytes(SharedData.File("edf", "test_reduced.edf")), 2, 2),
        };
        RunFiles("EDF", ".edf", seeds, EdfFields, seed: 1402, ReadRecording);
    }

    [SharedDataFact]
    public void Bdf_reader_survives_a_thousand_mutated_recordings()
    {
        var seeds = new List<byte[]> { CutRecords(File.ReadAllBytes(SharedData.File("edf", "test_bdf_stim_channel.bdf")), 6, 3) };
        RunFiles("BDF", ".bdf", seeds, EdfFields, seed: 1403, ReadRecording);
    }

    [SharedDataFact]
    public void Gdf_reader_survives_a_thousand_mutated_recordings()
    {
        var seeds = new List<byte[]>
        {
            CutGdf(SharedData.File("eeg", "sample.gdf"), 40),
            File.ReadAllBytes(SharedData.File("edf", "test_1ch.gdf")),
        };
        RunFiles("GDF", ".gdf", seeds, GdfFields, seed: 1404, ReadRecording);
    }
}
