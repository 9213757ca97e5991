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

    public static Command Create()
    {
        var file = CommonOptions.RecordingArgument();
        var markers = new Option<string>("--markers") { Description = "Cue markers that open an epoch, comma-separated, one per class (e.g. T1,T2 or left,right).", Required = true };
        var classes = new Option<string?>("--classes") { Description = "Class names for those markers, same order (default: the marker texts)." };
        var tmin = new Option<double>("--tmin") { Description = "Epoch start relative to the cue, seconds.", DefaultValueFactory = _ => 0.5 };
        var tmax = new Option<double>("--tmax") { Description = "Epoch end relative to the cue, seconds.", DefaultValueFactory = _ => 3.5 };
        var band = CommonOptions.Band("Band-pass edges in Hz applied to the continuous signal before cutting (causal, as live).");
        var notch = CommonOptions.Notch();
        var channels = CommonOptions.Channels();
        var stream = CommonOptions.Stream();
        var resample = new Option<double?>("--resample") { Description = "Resample to this rate (Hz) before cutting." };
        var output = CommonOptions.Out("The .npz file to write.");
        output.Required = true;
        var command = new Command("epochs", """
            Cut event-locked epochs around cue markers and write them as a NumPy .npz, the hand-off to model training:
            X float32 [n, channels, samples], y int64 [n], class_names, markers, channel_labels, rate, tmin, tmax, band,
            notch, onsets (cue times, s) and source. The continuous signal is filtered causally first, exactly as a live
            session filters it, so a model trained on these epochs sees what it will see live.

            Examples:
              pipeline epochs S001R04.edf --markers T1,T2 --classes left,right --tmin 0.5 --tmax 3.5 --band 8 30 --out r04.npz
              pipeline epochs recordings/demo-mi.xdf --markers left,right --tmin 0.5 --tmax 4.5 --band 8 30 --out demo.npz
            """) { file, markers, classes, tmin, tmax, band, notch, channels, stream, resample, output };
        command.SetAction(parse => UserError.Run(() => Run(
            parse.GetValue(file)!, CommonOptions.ParseList(parse.GetValue(markers)) ?? [], CommonOptions.ParseList(parse.GetValue(classes)),
            parse.GetValue(tmin), parse.GetValue(tmax), CommonOptions.ParseBand(parse.GetValue(band)), parse.GetValue(notch) ?? 0,
            CommonOptions.ParseList(parse.GetValue(channels)), parse.GetValue(stream), parse.GetValue(resample), parse.GetValue(output)!)));
        return command;
    }

    private static int Run(string path, IReadOnlyList<string> markerNames, IReadOnlyList<string>? classNames, double tmin, double tmax,
        (double Low, double High)? band, double notch, IReadOnlyList<string>? channels, string? streamName, double? resample, string output)
    {
        if (markerNames.Count == 0) throw new PipelineException("--markers is empty; name the cue markers that open epochs, e.g. --markers T1,T2.");
        if (markerNames.Distinct().Count() != markerNames.Count) throw new PipelineException($"--markers lists a marker twice ({string.Join(",", markerNames)}); name each once.");
        classNames ??= markerNames;
        if (classNames.Count != markerNames.Count)
            throw new PipelineException($"--classes names {classNames.Count} classes for {markerNames.Count} markers; give one class per marker, in the same order.");
        if (!(tmax > tmin)) throw new PipelineException($"--tmax {tmax.ToString("G", Inv)} must be after --tmin {tmin.ToString("G", Inv)}.");

        using var recording = Recording.Open(path);
        var present = recording.Markers.Select(m => m.Text).ToHashSet(StringComparer.Ordinal);
        var absent = markerNames.Where(m => !present.Contains(m)).ToList();
        if (absent.Count > 0)
        {
            var known = present.Count == 0 ? "it has no markers at all" : $"its markers are {string.Join(", ", present.Order().Take(20).Select(m => $"'{m}'"))}";
            throw new PipelineException($"The marker{(absent.Count == 1 ? "" : "s")} {string.Join(", ", absent.Select(a => $"'{a}'"))} do{(absent.Count == 1 ? "es" : "")} not occur in '{path}'; {known}.");
        }
        var source = new ReplaySource(recording, new ReplayOptions { Fast = true, ChunkFrames = 1024, Stream = streamName }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
        var description = source.Description;
        var rate = resample ?? description.NominalRate;
        if (band is { } b && !(b.High < rate / 2))
            throw new PipelineException($"The band {b.Low:G}-{b.High:G} Hz does not fit a stream at {rate:G} Hz (the upper edge must stay below {rate / 2:G} Hz); choose another --band.");
        var labels = channels ?? description.ChannelLabels;
        if (channels is not null) ChannelLabels.Resolve(description.ChannelLabels, channels);

        var statistics = new EpochStatistics();
        var epochs = new List<Window>();
        var options = new EpochOptions { TMin = tmin, TMax = tmax, Labels = markerNames.ToHashSet(), Statistics = statistics };
        source.Publish(events =>
        {
            var s = events.Chunks();
            if (channels is not null) s = s.SelectChannels(channels);
            if (resample is { } r && Math.Abs(r - description.NominalRate) > 1e-9) s = s.Resample(r);
            if (notch > 0) s = s.Notch(notch);
            if (band is { } bp) s = s.BandPass(bp.Low, bp.High);
            return s.EventLockedEpochs(events.Markers(), options);
        }).Do(w => epochs.Add(w.Clone())).LastOrDefaultAsync().Wait();

        if (epochs.Count == 0)
            throw new PipelineException($"No epoch from {tmin.ToString("G", Inv)} to {tmax.ToString("G", Inv)} s around {string.Join("/", markerNames)} fits inside '{path}' ({statistics}); check --tmin/--tmax against the recording's length and gaps.");

        var n = epochs.Count;
        var c = epochs[0].Channels;
        var t = epochs[0].Samples;
        var classIndex = markerNames.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => (long)x.i);
        using (var npz = new NpzWriter(output))
        {
            using (var x = npz.BeginFloat32("X", n, c, t))
                foreach (var e in epochs) x.Write(e.Data);
            npz.Add("y", epochs.Select(e => classIndex[e.Label!]).ToArray(), n);
            npz.Add("class_names", classNames, classNames.Count);
            npz.Add("markers", markerNames, markerNames.Count);
            npz.Add("channel_labels", labels.Select(ChannelLabels.Canonical).ToArray(), c);
            npz.AddScalar("rate", rate);
            npz.AddScalar("tmin", tmin);
            npz.AddScalar("tmax", tmax);
            npz.Add("band", band is { } bb ? [bb.Low, bb.High] : [double.NaN, double.NaN], 2);
            npz.AddScalar("notch", notch);
            npz.Add("onsets", epochs.Select(e => e.StartTime - tmin).ToArray(), n);
            npz.AddScalar("source", Path.GetFileName(path));
        }
        var counts = string.Join(", ", classNames.Select((name, i) => $"{epochs.Count(e => classIndex[e.Label!] == i)} {name}"));
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(output)}[/]: " + Markup.Escape($"X [{n}, {c}, {t}] ({counts}) at {rate.ToString("G", Inv)} Hz" +
            (statistics.Skipped > 0 ? $"; {statistics.Skipped} epoch(s) skipped ({statistics})" : "")));
        return UserError.CheckDamage(path, recording.Warnings);
    }
}
