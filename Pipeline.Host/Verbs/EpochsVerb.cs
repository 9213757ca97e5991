using System.CommandLine;
using System.Globalization;
using System.Reactive.Linq;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Sinks.Files;
using Pipeline.Sources.Replay;
using Spectre.Console;

namespace Pipeline.Host.Verbs;

/// <summary><c>pipeline epochs</c>: event-locked epochs of a recording into a NumPy .npz for model training.</summary>
internal static class EpochsVerb
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // All epochs are held in memory before the .npz is written; beyond this the user is asked for fewer or shorter ones.
    private const long MaxEpochBytes = 2L << 30;

    public static Command Create()
    {
        var file = CommonOptions.RecordingArgument();
        var markers = new Option<string?>("--markers")
        {
            Description = "Cue markers that open an epoch, comma-separated, one per class (e.g. T1,T2 or left,right). For markers that contain commas use --marker.",
        };
        var marker = new Option<string[]>("--marker")
        {
            Description = "One cue marker, taken whole (commas and spaces kept, e.g. --marker \"switch,3,1,2\"); repeat it, one per class. Comes after any --markers, in the order given.",
            AllowMultipleArgumentsPerToken = false,
        };
        var classes = new Option<string?>("--classes") { Description = "Class names for those markers, comma-separated, same order (default: the marker texts)." };
        var tmin = new Option<double>("--tmin") { Description = "Epoch start relative to the cue, seconds.", DefaultValueFactory = _ => 0.5 };
        var tmax = new Option<double>("--tmax") { Description = "Epoch end relative to the cue, seconds.", DefaultValueFactory = _ => 3.5 };
        var band = CommonOptions.Band("Band-pass edges in Hz applied to the continuous signal before cutting (causal, as live).");
        var notch = CommonOptions.Notch();
        var channels = CommonOptions.Channels();
        var stream = CommonOptions.Stream();
        var resample = new Option<double?>("--resample") { Description = "Resample to this rate (Hz) before cutting." };
        var output = CommonOptions.Out("The .npz file to write (an existing file is replaced only once the new one is complete).");
        output.Required = true;
        var command = new Command("epochs", """
            Cut event-locked epochs around cue markers and write them as a NumPy .npz, the hand-off to model training:
            X float32 [n, channels, samples], y int64 [n], class_names, markers, channel_labels, units (each channel's
            unit as recorded, e.g. uV), rate, tmin, tmax, band, notch, cue_times (the exact marker times, s), onsets
            (the time of each epoch's first sample minus tmin: the sample at or after the cue, up to one sample later)
            and source. The continuous signal is filtered causally first, exactly as a live session filters it, so a
            model trained on these epochs sees what it will see live. Only cue markers are used: the commands a
            pipeline session recorded into the same file are never taken for cues.

            Examples:
              pipeline epochs S001R04.edf --markers T1,T2 --classes left,right --tmin 0.5 --tmax 3.5 --band 8 30 --out r04.npz
              pipeline epochs recordings/demo-mi.xdf --markers left,right --tmin 0.5 --tmax 4.5 --band 8 30 --out demo.npz
              pipeline epochs unity-task.xdf --marker "switch,3,1,2" --marker "stay,3,1,2" --classes switch,stay --out task.npz
            """) { file, markers, marker, classes, tmin, tmax, band, notch, channels, stream, resample, output };
        command.SetAction(parse => UserError.Run(() => Run(
            parse.GetValue(file)!, CueOptionSet.MarkerNames(parse.GetValue(markers), parse.GetValue(marker)), CommonOptions.ParseList(parse.GetValue(classes)),
            parse.GetValue(tmin), parse.GetValue(tmax), CommonOptions.ParseBand(parse.GetValue(band)), parse.GetValue(notch) ?? 0,
            CommonOptions.ParseList(parse.GetValue(channels)), parse.GetValue(stream), parse.GetValue(resample), parse.GetValue(output)!)));
        BatchStop.Wrap(command, "epochs");
        return command;
    }

    private static int Run(string path, IReadOnlyList<string> markerNames, IReadOnlyList<string>? classNames, double tmin, double tmax,
        (double Low, double High)? band, double notch, IReadOnlyList<string>? channels, string? streamName, double? resample, string output)
    {
        if (markerNames.Count == 0) throw new PipelineException("No cue markers were named; give them with --markers T1,T2 or, for markers containing commas, --marker \"switch,3,1,2\" (repeated).");
        if (markerNames.Distinct().Count() != markerNames.Count) throw new PipelineException($"A marker is named twice ({string.Join(", ", markerNames.Select(m => $"'{m}'"))}); name each once.");
        classNames ??= markerNames;
        if (classNames.Count != markerNames.Count)
            throw new PipelineException($"--classes names {classNames.Count} classes for {markerNames.Count} markers; give one class per marker, in the same order.");
        if (!double.IsFinite(tmin) || !double.IsFinite(tmax))
            throw new PipelineException($"--tmin {tmin.ToString("G", Inv)} and --tmax {tmax.ToString("G", Inv)} must be finite numbers of seconds relative to the cue.");
        if (!(tmax > tmin)) throw new PipelineException($"--tmax {tmax.ToString("G", Inv)} must be after --tmin {tmin.ToString("G", Inv)}.");
        if (resample is { } rs && !(rs > 0 && rs <= Pipeline.Lsl.Xdf.XdfReader.MaxNominalRate))
            throw new PipelineException($"--resample {rs.ToString("G", Inv)} is not a sampling rate; give a rate in Hz such as 128, 160 or 250.");

        using var recording = Recording.Open(path);
        var cues = recording.CueMarkers;
        CueOptionSet.CheckPresent(markerNames, cues, path);
        var source = new ReplaySource(recording, new ReplayOptions { Fast = true, ChunkFrames = 1024, Stream = streamName }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
        var description = source.Description;
        var rate = resample ?? description.NominalRate;
        // Upsampling multiplies every buffer after it; beyond 16x no training set needs it and memory would follow the ratio.
        if (resample is { } up && description.NominalRate > 0 && up > 16 * description.NominalRate)
            throw new PipelineException($"--resample {up.ToString("G", Inv)} Hz is more than 16 times the stream's {description.NominalRate.ToString("G", Inv)} Hz; resample to a rate near the recording's.");
        if (band is { } b && !(b.High < rate / 2))
            throw new PipelineException($"The band {b.Low:G}-{b.High:G} Hz does not fit a stream at {rate:G} Hz (the upper edge must stay below {rate / 2:G} Hz); choose another --band.");
        var labels = channels ?? description.ChannelLabels;
        var selected = channels is null ? Enumerable.Range(0, description.ChannelCount).ToArray() : ChannelLabels.Resolve(description.ChannelLabels, channels);
        CheckEpochSize(path, source.Stream, rate, tmin, tmax, labels.Count, cues.Count(m => markerNames.Contains(m.Text)));

        var statistics = new EpochStatistics();
        var epochs = new List<Window>();
        // Markers come interleaved with the data in time order, so little history is needed; never more than the recording.
        var history = Math.Min(30, Math.Max(1, source.Stream.Duration + 1));
        var options = new EpochOptions { TMin = tmin, TMax = tmax, Labels = markerNames.ToHashSet(), Statistics = statistics, HistorySeconds = history };
        var commandStreams = recording.Streams.Where(s => s.Role == StreamRole.Commands).Select(s => s.Description.Name).ToHashSet(StringComparer.Ordinal);
        // A requested stop (SIGTERM, SIGINT, SIGHUP) ends the cutting at the next chunk, and the writing at the next epoch.
        var stop = BatchStop.Token;
        source.Publish(events =>
        {
            var s = events.Chunks().Do(_ => stop.ThrowIfCancellationRequested());
            if (channels is not null) s = s.SelectChannels(channels);
            if (resample is { } r && Math.Abs(r - description.NominalRate) > 1e-9) s = s.Resample(r);
            if (notch > 0) s = s.Notch(notch);
            if (band is { } bp) s = s.BandPass(bp.Low, bp.High);
            return s.EventLockedEpochs(events.Markers().Where(m => !commandStreams.Contains(m.Stream)), options);
        }).Do(w => epochs.Add(w.Clone())).LastOrDefaultAsync().Wait();

        if (epochs.Count == 0)
            throw new PipelineException($"No epoch from {tmin.ToString("G", Inv)} to {tmax.ToString("G", Inv)} s around {string.Join("/", markerNames)} fits inside '{path}' ({statistics}); check --tmin/--tmax against the recording's length and gaps.");

        var n = epochs.Count;
        var c = epochs[0].Channels;
        var t = epochs[0].Samples;
        var classIndex = markerNames.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => (long)x.i);
        var units = selected.Select(i => Unit(description.ChannelUnits[i])).ToArray();
        OutputFile.Write(output, "--out", target =>
        {
            using var npz = new NpzWriter(target);
            using (var x = npz.BeginFloat32("X", n, c, t))
                foreach (var e in epochs)
                {
                    if (stop.IsCancellationRequested)
                    {
                        x.Abandon(); // the file is removed: no shape check on the way out
                        stop.ThrowIfCancellationRequested();
                    }
                    x.Write(e.Data);
                }
            npz.Add("y", epochs.Select(e => classIndex[e.Label!]).ToArray(), n);
            npz.Add("class_names", classNames, classNames.Count);
            npz.Add("markers", markerNames, markerNames.Count);
            npz.Add("channel_labels", labels.Select(ChannelLabels.Canonical).ToArray(), c);
            npz.Add("units", units, c);
            npz.AddScalar("rate", rate);
            npz.AddScalar("tmin", tmin);
            npz.AddScalar("tmax", tmax);
            npz.Add("band", band is { } bb ? [bb.Low, bb.High] : [double.NaN, double.NaN], 2);
            npz.AddScalar("notch", notch);
            npz.Add("cue_times", epochs.Select(e => e.CueTime).ToArray(), n);
            npz.Add("onsets", epochs.Select(e => e.StartTime - tmin).ToArray(), n);
            npz.AddScalar("source", Path.GetFileName(path));
        });
        var counts = string.Join(", ", classNames.Select((name, i) => $"{epochs.Count(e => classIndex[e.Label!] == i)} {name}"));
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(output)}[/]: " + Markup.Escape($"X [{n}, {c}, {t}] ({counts}) at {rate.ToString("G", Inv)} Hz" +
            (statistics.Skipped > 0 ? $"; {statistics.Skipped} epoch(s) skipped ({statistics})" : "")));
        return UserError.CheckDamage(path, recording.Warnings);
    }

    /// <summary>
    /// Refuses epochs that no recording of this length can fill, and epoch sets too large to hold, before any buffer
    /// is sized from --tmin/--tmax: memory then stays proportional to the recording.
    /// </summary>
    private static void CheckEpochSize(string path, RecordedStream stream, double rate, double tmin, double tmax, int channels, int cueCount)
    {
        var seconds = tmax - tmin;
        var recorded = stream.FrameCount / Math.Max(stream.Description.NominalRate, double.Epsilon);
        if (seconds > recorded)
            throw new PipelineException($"Epochs from --tmin {tmin.ToString("G", Inv)} to --tmax {tmax.ToString("G", Inv)} s last {seconds.ToString("G4", Inv)} s, longer than the stream '{stream.Description.Name}' of '{path}' ({recorded.ToString("F1", Inv)} s), so none could be cut; choose a shorter epoch.");
        var bytes = Math.Round(seconds * rate) * channels * 4.0 * cueCount;
        if (bytes > MaxEpochBytes)
            throw new PipelineException($"{cueCount} epochs of {seconds.ToString("G4", Inv)} s x {channels} channels at {rate.ToString("G", Inv)} Hz would take {(bytes / (1 << 30)).ToString("F1", Inv)} GB, more than the {MaxEpochBytes >> 30} GB epochs may hold; cut shorter epochs, fewer channels (--channels) or a lower rate (--resample).");
    }

    /// <summary>A channel's unit as recorded, in one spelling for microvolts (<c>uV</c>); empty where the recording gives none.</summary>
    private static string Unit(string unit)
    {
        var u = unit.Trim();
        return u.ToLowerInvariant() switch
        {
            "uv" or "µv" or "μv" or "microvolt" or "microvolts" => "uV",
            "mv" or "millivolt" or "millivolts" => "mV",
            "v" or "volt" or "volts" => "V",
            "nv" or "nanovolt" or "nanovolts" => "nV",
            _ => u,
        };
    }
}
