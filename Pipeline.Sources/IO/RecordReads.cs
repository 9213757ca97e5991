namespace Pipeline.Sources.IO;

/// <summary>
/// What files made of fixed-size data records (EDF, BDF, GDF) share: grouping signals into streams by samples per
/// record, and checking a request to read records of some signals.
/// </summary>
internal static class RecordReads
{
    /// <summary>
    /// The highest sampling rate (Hz) a header may imply (samples per record over the record duration). Windows,
    /// epochs and chunks are sized as seconds x rate, so a record duration of 1e-9 s would overflow or allocate beyond
    /// the data; the fastest recorded biosignals run below 1 MHz, and XDF streams share the same bound.
    /// </summary>
    public const double MaxSampleRate = Pipeline.Lsl.Xdf.XdfReader.MaxNominalRate;

    /// <summary>The lowest sampling rate (Hz) a header may imply: one sample in 11.6 days (a record duration of 1e300 s is damage).</summary>
    public const double MinSampleRate = Pipeline.Lsl.Xdf.XdfReader.MinNominalRate;

    /// <summary>True when <paramref name="rate"/> lies within what a real recording can have.</summary>
    public static bool IsPlausibleRate(double rate) => rate >= MinSampleRate && rate <= MaxSampleRate;

    /// <summary>Groups the signals by samples per record (hence by rate), in header order: each group can become one stream.</summary>
    public static IReadOnlyList<IReadOnlyList<T>> GroupBySamplesPerRecord<T>(IEnumerable<T> signals, Func<T, int> samplesPerRecord)
    {
        var groups = new List<List<T>>();
        foreach (var signal in signals)
        {
            var group = groups.Find(g => samplesPerRecord(g[0]) == samplesPerRecord(signal));
            if (group is null) groups.Add(group = []);
            group.Add(signal);
        }
        return groups;
    }

    /// <summary>
    /// Checks a read of up to <paramref name="recordCount"/> records from <paramref name="firstRecord"/> for the chosen
    /// <paramref name="signals"/> (indices into <paramref name="all"/>, sharing one samples-per-record count, each
    /// holding samples: <paramref name="notSamples"/> gives the reason where one does not) into a destination of
    /// <paramref name="destinationLength"/> values. Returns the records that will be read and their samples per record.
    /// </summary>
    public static (int Records, int SamplesPerRecord) Check<T>(IReadOnlyList<T> all, int fileRecords, int firstRecord, int recordCount,
        ReadOnlySpan<int> signals, int destinationLength, Func<T, int> samplesPerRecord, Func<T, int, string?> notSamples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstRecord);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstRecord, fileRecords);
        ArgumentOutOfRangeException.ThrowIfNegative(recordCount);
        if (signals.IsEmpty) throw new ArgumentException("At least one signal must be chosen.", nameof(signals));
        var spr = -1;
        foreach (var index in signals)
        {
            if ((uint)index >= (uint)all.Count)
                throw new ArgumentOutOfRangeException(nameof(signals), index, $"The file has {all.Count} signals.");
            var signal = all[index];
            if (notSamples(signal, index) is { } reason) throw new ArgumentException(reason, nameof(signals));
            if (spr >= 0 && samplesPerRecord(signal) != spr)
                throw new ArgumentException("All chosen signals must have the same number of samples per record.", nameof(signals));
            spr = samplesPerRecord(signal);
        }
        var records = Math.Min(recordCount, fileRecords - firstRecord);
        var needed = (long)records * spr * signals.Length;
        if (destinationLength < needed)
            throw new ArgumentException($"The destination holds {destinationLength} values but {needed} are needed.", "destination");
        return (records, spr);
    }
}
