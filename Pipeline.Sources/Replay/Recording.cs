using Pipeline.Core.Signals;

namespace Pipeline.Sources.Replay;

/// <summary>
/// A recorded file (XDF, EDF/EDF+/BDF, GDF, or a WAV file for the speech path) seen as signal streams plus markers. Opening reads the header and
/// the markers (small); signal data is streamed chunk by chunk in bounded memory by <see cref="ReadChunks"/>.
/// </summary>
public abstract class Recording : IDisposable
{
    /// <summary>The file's path as given.</summary>
    public required string Path { get; init; }
    /// <summary>The file format, e.g. <c>XDF</c>, <c>EDF+C</c>, <c>BDF</c>.</summary>
    public required string Format { get; init; }
    /// <summary>All streams in file order (signal and marker streams).</summary>
    public required IReadOnlyList<RecordedStream> Streams { get; init; }
    /// <summary>All markers of all marker streams (and annotations), in time order.</summary>
    public required IReadOnlyList<Marker> Markers { get; init; }
    /// <summary>Problems the reader recovered from (truncation, corrupt chunks), one sentence each.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>
    /// One stream of a file whose signals are grouped by sampling rate (EDF, BDF, GDF): type EEG, named after the file,
    /// with the rate added when the file has more than one group.
    /// </summary>
    protected static StreamDescription RateGroupDescription(string path, int groupCount, double rate, string[] labels, string[] units, ValueFormat format, string recordingId)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        return new StreamDescription(groupCount == 1 ? name : $"{name} ({rate:G} Hz)", "EEG", labels, rate, format, units, recordingId);
    }

    /// <summary>
    /// The markers of the cue streams only: the commands a pipeline session wrote into the same file (its
    /// <see cref="StreamRole.Commands"/> streams) are left out, so they are never taken for cues.
    /// </summary>
    public IReadOnlyList<Marker> CueMarkers
    {
        get
        {
            var commands = Streams.Where(s => s.Role == StreamRole.Commands).Select(s => s.Description.Name).ToHashSet(StringComparer.Ordinal);
            return commands.Count == 0 ? Markers : Markers.Where(m => !commands.Contains(m.Stream)).ToList();
        }
    }

    /// <summary>The signal streams (numeric, at least one channel).</summary>
    public IEnumerable<RecordedStream> SignalStreams => Streams.Where(s => !s.IsMarkerStream && s.Description.ChannelCount > 0);

    /// <summary>
    /// The stream a session should decode: the one named, else the regular signal stream with the most frames
    /// (EEG preferred). Throws a clear error when there is none or the name is unknown.
    /// </summary>
    public RecordedStream ChooseSignalStream(string? name = null)
    {
        var signals = SignalStreams.ToList();
        if (name is not null)
        {
            return signals.FirstOrDefault(s => string.Equals(s.Description.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? (int.TryParse(name, out var i) ? signals.FirstOrDefault(s => s.Index == i) : null)
                ?? throw new PipelineException($"The recording '{Path}' has no signal stream named '{name}'; its signal streams are: {string.Join(", ", signals.Select(s => $"'{s.Description.Name}'"))}.");
        }
        var candidates = signals.Where(s => s.FrameCount > 0).ToList();
        if (candidates.Count == 0)
            throw new PipelineException($"The recording '{Path}' holds no signal samples (only markers or empty streams), so there is nothing to replay" +
                (Warnings.Count > 0 ? $"; it is damaged: {Warnings[0].TrimEnd('.')}." : "."));
        return candidates
            .OrderByDescending(s => string.Equals(s.Description.Type, "EEG", StringComparison.OrdinalIgnoreCase))
            .ThenByDescending(s => s.Description.IsRegular)
            .ThenByDescending(s => s.FrameCount)
            .First();
    }

    /// <summary>
    /// Streams the frames of one signal stream in time order as chunks of at most <paramref name="chunkFrames"/>
    /// frames. The chunk object is reused between items (copy it to keep it); ArrivalTicks is left 0 for the
    /// replay source to stamp.
    /// </summary>
    /// <remarks>Not thread-safe: read one stream at a time per recording.</remarks>
    public abstract IEnumerable<SignalChunk> ReadChunks(int streamIndex, int chunkFrames);

    /// <summary>
    /// The frames a reused chunk of stream <paramref name="streamIndex"/> needs room for: the chunk size asked for, but
    /// never more than the stream holds, so a chunk size computed from a lying header (a huge rate) costs no more
    /// memory than the data itself.
    /// </summary>
    private protected int ChunkCapacity(int streamIndex, int chunkFrames) =>
        (int)Math.Clamp(Streams[streamIndex].FrameCount, 1, chunkFrames);

    /// <summary>Opens an XDF, EDF/BDF, GDF or WAV file, chosen by its first bytes, with one clear error otherwise.</summary>
    public static Recording Open(string path) => RecordingFormats.Open(path);

    /// <inheritdoc />
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
