using System.CommandLine;
using System.Globalization;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Lsl;
using Pipeline.Lsl.Xdf;
using Pipeline.Sources.Simulation;
using Spectre.Console;

namespace Pipeline.Host.Verbs;

/// <summary><c>pipeline simulate</c>: writes synthetic motor-imagery EEG with cue markers to an XDF file.</summary>
internal static class SimulateVerb
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var minutes = new Option<double>("--minutes") { Description = "Length of the recording in minutes.", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed gives the same recording, bit for bit.", DefaultValueFactory = _ => 1 };
        var channels = new Option<string?>("--channels")
        {
            Description = "The EEG channels by label, comma-separated 10-10 labels (e.g. C3,Cz,C4); or give --channel-count.",
        };
        var channelCount = new Option<int?>("--channel-count")
        {
            Description = "The number of EEG channels, in a standard layout: 8, 16, 22, 32 or 64 (22 is the BCI Competition IV 2a montage). Default 22.",
        };
        var rate = new Option<double>("--rate") { Description = "Sampling rate in Hz.", DefaultValueFactory = _ => 250 };
        var classes = new Option<string>("--classes") { Description = "Imagery classes, comma-separated, from left, right, feet, rest.", DefaultValueFactory = _ => "left,right" };
        var output = CommonOptions.Out("The XDF file to write.");
        output.Required = true;
        var command = new Command("simulate", """
            Write a synthetic motor-imagery EEG session to XDF, as LabRecorder would record it: 1/f background,
            posterior alpha, mu and beta rhythms over the motor cortex with class-dependent desynchronisation
            (left-hand imagery weakens mu over C4, right-hand over C3, feet over Cz), and a marker stream with a cue
            (the class name) at the start of every imagery period. Trials: 2 s fixation, cue, 4 s imagery, 1.5-2.5 s rest.

            Examples:
              pipeline simulate --minutes 3 --seed 1 --out recordings/demo-mi.xdf
              pipeline simulate --minutes 10 --seed 7 --channel-count 64 --classes left,right,feet --out train.xdf
              pipeline simulate --minutes 2 --channels FC3,C3,CP3,FC4,C4,CP4,Cz --out seven.xdf
            """) { minutes, seed, channels, channelCount, rate, classes, output };
        command.SetAction(parse => UserError.Run(() => Run(
            parse.GetValue(minutes), parse.GetValue(seed), Layout(parse.GetValue(channels), parse.GetValue(channelCount)), parse.GetValue(rate),
            CommonOptions.ParseList(parse.GetValue(classes)) ?? ["left", "right"], parse.GetValue(output)!)));
        BatchStop.Wrap(command, "simulate");
        return command;
    }

    private static int Run(double minutes, int seed, string channels, double rate, IReadOnlyList<string> classes, string path)
    {
        if (!(minutes > 0) || minutes > 24 * 60)
            throw new PipelineException($"--minutes {minutes} is out of range; give a length between a fraction of a minute and 1440 minutes.");
        var options = new MotorImagerySimulatorOptions { ChannelLabels = ChannelLayout(channels) } with { SamplingRate = rate, Seed = seed, Classes = classes };
        options.Validate();
        var simulator = new MotorImagerySimulator(options);
        var description = simulator.Description;

        var eeg = new StreamInfo
        {
            Name = description.Name, Type = "EEG", ChannelCount = description.ChannelCount, NominalSrate = rate,
            ChannelFormat = ChannelFormat.Float32, SourceId = $"pipeline-simulator-seed{seed}", Hostname = "simulator",
        };
        eeg.SetChannels(description.ChannelLabels.Select(l => new ChannelDescription(l, "microvolts", "EEG")));
        var cues = new StreamInfo
        {
            Name = simulator.MarkerStreamName, Type = "Markers", ChannelCount = 1, NominalSrate = 0,
            ChannelFormat = ChannelFormat.String, SourceId = $"pipeline-simulator-seed{seed}-markers", Hostname = "simulator",
        };

        var totalFrames = (long)Math.Round(minutes * 60 * rate);
        var block = (int)Math.Round(rate / 2); // LabRecorder writes one chunk per 500 ms pull
        var frames = new float[block * description.ChannelCount];
        var timestamps = new double[block];
        var markers = new List<Marker>();
        var markerCount = 0;
        long written = 0;
        var stop = BatchStop.Token;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) CreateFolder(dir);
        OutputFile.Write(path, "--out", target =>
        {
            using (var writer = OpenWriter(target))
            {
                writer.WriteStreamHeader(1, eeg);
                writer.WriteStreamHeader(2, cues);
                double nextOffset = 0, nextBoundary = 10;
                // A requested stop (SIGTERM, SIGINT, SIGHUP) ends the loop: the file is closed with its footers and kept.
                for (long done = 0; done < totalFrames && !stop.IsCancellationRequested;)
                {
                    var n = (int)Math.Min(block, totalFrames - done);
                    markers.Clear();
                    simulator.Fill(frames, timestamps, n, markers);
                    writer.WriteSamples(1, timestamps.AsSpan(0, n), frames.AsSpan(0, n * description.ChannelCount));
                    foreach (var m in markers) writer.WriteStringSamples(2, [m.Timestamp], [m.Text]);
                    markerCount += markers.Count;
                    done += n;
                    written = done;
                    var now = timestamps[n - 1];
                    if (now >= nextOffset)
                    {
                        // The simulator is its own clock, so the measured offset is exactly zero.
                        writer.WriteClockOffset(1, now, 0);
                        writer.WriteClockOffset(2, now, 0);
                        nextOffset += 5;
                    }
                    if (now >= nextBoundary)
                    {
                        writer.WriteBoundary();
                        nextBoundary += 10;
                    }
                }
                // Stopped before anything was generated: an empty recording must not replace a file that was there.
                if (written == 0) stop.ThrowIfCancellationRequested();
                writer.WriteStreamFooter(1);
                writer.WriteStreamFooter(2);
            }
        });
        if (written < totalFrames)
        {
            BatchStop.Report($"stopped simulate after {(written / rate).ToString("F1", Inv)} s of the {(totalFrames / rate).ToString("F1", Inv)} s asked for; " +
                $"kept '{path}': a valid XDF with footers holding the {(written / rate).ToString("F1", Inv)} s generated ({markerCount} cue markers).");
            return 0;
        }
        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(path)}[/]: {(totalFrames / rate).ToString("F1", Inv)} s of {description.ChannelCount}-channel EEG at {rate.ToString("G", Inv)} Hz, {markerCount} cue markers ({string.Join(", ", classes)}), seed {seed}");
        return 0;
    }

    /// <summary>The channel labels of <c>--channels</c>: a count with a standard layout, or the labels themselves.</summary>
    /// <summary>--channels (labels) or --channel-count (a standard layout), not both; default the 22-channel montage.</summary>
    private static string Layout(string? labels, int? count) => (labels, count) switch
    {
        (not null, not null) => throw new PipelineException("--channels and --channel-count both name the channels; give one: the labels (--channels C3,Cz,C4) or a count (--channel-count 22)."),
        (not null, null) => labels,
        (null, { } n) => n.ToString(Inv),
        _ => "22",
    };

    private static IReadOnlyList<string> ChannelLayout(string channels)
    {
        if (int.TryParse(channels.Trim(), NumberStyles.Integer, Inv, out var count))
        {
            if (count is 8 or 16 or 22 or 32 or 64) return StandardMontages.ForChannelCount(count);
            throw new PipelineException($"--channel-count {count}: there is no standard layout for {count} channels; use 8, 16, 22, 32 or 64, or name the channels yourself as 10-10 labels, e.g. --channels FC3,C3,CP3,Cz,FC4,C4,CP4.");
        }
        return CommonOptions.ParseList(channels)
            ?? throw new PipelineException("--channels is empty; give 10-10 labels such as C3,Cz,C4, or a count with --channel-count (8, 16, 22, 32 or 64).");
    }

    private static void CreateFolder(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineException($"Cannot create the folder '{dir}' ({e.Message.TrimEnd('.')}); choose a writable path with --out.", e);
        }
    }

    private static XdfWriter OpenWriter(string path)
    {
        try
        {
            return new XdfWriter(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineException($"Cannot write '{path}' ({e.Message.TrimEnd('.')}); choose a writable path with --out.", e);
        }
    }
}
