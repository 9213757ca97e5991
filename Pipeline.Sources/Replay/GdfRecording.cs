using Pipeline.Core.Signals;
using Pipeline.Sources.Gdf;

namespace Pipeline.Sources.Replay;

/// <summary>
/// A GDF 1.x/2.x file as a <see cref="Recording"/>: its signals grouped by sampling rate into one stream per rate
/// (channels in header order), its event table as markers whose text is the event type code (e.g. <c>769</c>).
/// Timestamps are seconds from the start of the file.
/// </summary>
public sealed class GdfRecording : RecordFileRecording
{
    private GdfFile _file = null!;

    /// <summary>Opens the file and reads its header and event table.</summary>
    public static new GdfRecording Open(string path)
    {
        var file = GdfFile.Open(path);
        try
        {
            var groups = file.RateGroups();
            var streams = new List<RecordedStream>();
            for (var g = 0; g < groups.Count; g++)
            {
                var signals = groups[g];
                var rate = signals[0].SampleRate;
                var description = RateGroupDescription(path, groups.Count, rate, signals.Select(s => s.Label).ToArray(),
                    signals.Select(s => s.PhysicalDimension).ToArray(), FormatOf(signals), file.RecordingId);
                var frames = (long)file.RecordCount * signals[0].SamplesPerRecord;
                streams.Add(new RecordedStream(g, description, frames, frames == 0 ? double.NaN : 0, frames == 0 ? double.NaN : (frames - 1) / rate));
            }
            return new GdfRecording
            {
                Path = path,
                Format = "GDF " + file.Version,
                Streams = streams,
                Markers = file.Events,
                Warnings = file.Warnings,
                _file = file,
                Groups = groups.Select(g => g.Select(s => s.Index).ToArray()).ToArray(),
            };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private protected override int RecordCount => _file.RecordCount;

    private protected override int SamplesPerRecord(int signal) => _file.Signals[signal].SamplesPerRecord;

    private protected override int ReadRecords(int firstRecord, int recordCount, ReadOnlySpan<int> signals, Span<float> destination) =>
        _file.ReadRecords(firstRecord, recordCount, signals, destination);

    // GDF records follow one another without gaps, so a frame's time is its index over the rate.
    private protected override double SampleTime(int record, int sample, int samplesPerRecord, double rate) => ((long)record * samplesPerRecord + sample) / rate;

    /// <inheritdoc />
    public override void Dispose()
    {
        _file.Dispose();
        base.Dispose();
    }

    // The stored sample type of a stream (for information only: samples are delivered as physical floats).
    private static ValueFormat FormatOf(IReadOnlyList<GdfSignal> signals)
    {
        var type = signals[0].TypeCode;
        if (signals.Any(s => s.TypeCode != type)) return ValueFormat.Double64;
        return type switch
        {
            1 => ValueFormat.Int8,
            2 or 3 => ValueFormat.Int16,
            4 or 5 => ValueFormat.Int32,
            6 or 7 or 8 => ValueFormat.Int64,
            16 => ValueFormat.Float32,
            _ => ValueFormat.Double64,
        };
    }
}
