using Pipeline.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pipeline.Tests.Fuzz;

/// <summary>The fuzz pass over XDF recordings (the repository's demo and the real XDF files).</summary>
public sealed class XdfFuzzTests(ITestOutputHelper output) : ReaderFuzzTests(output)
{
    [Fact]
    public void Xdf_reader_survives_a_thousand_mutated_recordings()
    {
        // The repository's own recording (its first 48 KB: headers, samples and cue markers), and the real XDF files.
        var demo = File.ReadAllBytes(Path.Combine(SharedData.RepositoryRoot, "recordings", "demo-mi.xdf"));
        var seeds = new List<byte[]> { CutXdf(demo, 48 << 10) };
        if (SharedData.Available)
        {
            foreach (var name in new[] { "minimal.xdf", "empty_streams.xdf", "twochannel_string_marker.xdf" })
                seeds.Add(File.ReadAllBytes(SharedData.File("xdf", name)));
            foreach (var name in Directory.GetFiles(SharedData.File("xdf", "fuzz"), "*.xdf").Order())
                seeds.Add(File.ReadAllBytes(name));
            seeds.Add(CutXdf(File.ReadAllBytes(SharedData.File("xdf", "clock_resets.xdf")), 32 << 10));
        }
        var report = RunFiles("XDF", ".xdf", seeds, XdfFields, seed: 1401, ReadRecording, xdfHeaders: true);
        Assert.True(report[FuzzOutcome.Partial] > 0, report.ToString());
    }
}
