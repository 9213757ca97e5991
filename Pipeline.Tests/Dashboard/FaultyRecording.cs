using Pipeline.Lsl;
using Pipeline.Lsl.Xdf;
using Pipeline.Sources.Simulation;
using Pipeline.Tests.Simulation;

namespace Pipeline.Tests.Dashboard;

/// <summary>
/// A crafted XDF recording: simulated motor-imagery EEG in the demo model's montage with two broken channels, Cz flat
/// (a lead off: a constant) and C3 carrying 40 µV of 50 Hz mains hum, and the cue markers.
/// </summary>
internal static class FaultyRecording
{
    public const string FlatChannel = "Cz";
    public const string HumChannel = "C3";

    public static string Write(string folder, double seconds = 40, int seed = 11)
    {
        var options = new MotorImagerySimulatorOptions { Seed = seed, FixationSeconds = 1, ImagerySeconds = 3, RestMinSeconds = 1, RestMaxSeconds = 1.5 };
        var rec = SimulationRecording.Frames(options, (int)(seconds * options.SamplingRate));
        int flat = rec.ChannelIndex(FlatChannel), hum = rec.ChannelIndex(HumChannel);
        for (var f = 0; f < rec.FrameCount; f++)
        {
            rec.Data[f * rec.Channels + flat] = 12.5f;
            rec.Data[f * rec.Channels + hum] += (float)(40 * Math.Sin(2 * Math.PI * 50 * f / rec.Rate));
        }
        var path = Path.Combine(folder, "faulty.xdf");
        using var writer = new XdfWriter(path);
        var eeg = new StreamInfo { Name = "Faulty", Type = "EEG", ChannelCount = rec.Channels, NominalSrate = rec.Rate, ChannelFormat = ChannelFormat.Float32, SourceId = "faulty" };
        eeg.SetChannels(rec.Labels.Select(l => new ChannelDescription(l, "microvolts", "EEG")));
        var cues = new StreamInfo { Name = "Faulty-Markers", Type = "Markers", ChannelCount = 1, NominalSrate = 0, ChannelFormat = ChannelFormat.String, SourceId = "faulty-markers" };
        writer.WriteStreamHeader(1, eeg);
        writer.WriteStreamHeader(2, cues);
        writer.WriteSamples(1, rec.Timestamps, rec.Data);
        foreach (var m in rec.Markers) writer.WriteStringSamples(2, [m.Timestamp], [m.Text]);
        writer.WriteStreamFooter(1);
        writer.WriteStreamFooter(2);
        return path;
    }
}
