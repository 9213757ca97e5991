using Pipeline.Core.Signals;
using Pipeline.Sources.Edf;

namespace Pipeline.Sources.Replay;

/// <summary>
/// An EDF, EDF+ or BDF file as a <see cref="Recording"/>: its data signals grouped by sampling rate into one
/// stream per rate (channels in header order), its annotations (and BDF Status events) as markers. Timestamps are
/// seconds from the start of the file.
/// </summary>
public sealed class EdfRecording : RecordFileRecording
{
    private EdfFile _file = null!;

    /// <summary>Opens the file and reads its header and annotations.</summary>
    public static new EdfRecording Open(string path)
    {
        var file = EdfFile.Open(path);
        try
        {
            var groups = file.RateGroups();
            var streams = new List<RecordedStream>();
            for (var g = 0; g < groups.Count; g++)
            {
                var signals = groups[g];
                var rate = signals[0].SampleRate;
                var description = RateGroupDescription(path, groups.Count, rate, signals.Select(s => s.Label).ToArray(),
                    signals.Select(s => s.PhysicalDimension).ToArray(), file.IsBdf ? ValueFormat.Int32 : ValueFormat.Int16, file.RecordingId.Trim());
                var frames = (long)file.RecordCount * signals[0].SamplesPerRecord;
                var last = file.RecordCount == 0 ? double.NaN : file.RecordStartTime(file.RecordCount - 1) + (signals[0].SamplesPerRecord - 1) / rate;
                streams.Add(new RecordedStream(g, description, frames, file.RecordCount == 0 ? double.NaN : file.RecordStartTime(0), last));
            }
            var markers = file.ReadMarkers().OrderBy(m => m.Timestamp).ToList();
            return new EdfRecording
            {
                Path = path,
                Format = file.Kind switch
                {
                    EdfFileKind.EdfPlusContinuous => "EDF+C",
                    EdfFileKind.EdfPlusDiscontinuous => "EDF+D",
                    EdfFileKind.Bdf => "BDF",
                    EdfFileKind.BdfPlusContinuous => "BDF+C",
                    EdfFileKind.BdfPlusDiscontinuous => "BDF+D",
                    _ => "EDF",
                },
                Streams = streams,
                Markers = markers,
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

    // EDF+D records may not follow one another: each record's first sample is at its own start time.
    private protected override double SampleTime(int record, int sample, int samplesPerRecord, double rate) => _file.RecordStartTime(record) + sample / rate;

    /// <inheritdoc />
    public override void Dispose()
    {
        _file.Dispose();
        base.Dispose();
    }
}
