using System.CommandLine;
using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Pipeline.Core.Operators;
using Pipeline.Host.Cli;
using Pipeline.Sources.Audio;
using Pipeline.Sources.Replay;
using Spectre.Console;

namespace Pipeline.Host.Verbs;

/// <summary><c>pipeline info &lt;file&gt;</c>: streams, channels, rates, duration, markers and gaps of a recording.</summary>
internal static class InfoVerb
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var file = CommonOptions.RecordingArgument();
        file.Description = "An XDF (LabRecorder), EDF/EDF+/BDF or GDF recording, or a WAV file.";
        var command = new Command("info", """
            Show what a recording holds: its streams (name, type, channels, rate, format, samples, duration, gaps,
            role), the channel labels of each signal stream (a label with spaces or quotes is printed in double
            quotes), and its markers in two tables: the cue markers (what the experiment showed or annotated) and
            the command markers a pipeline session wrote (its own output, never used as cues). For a WAV file: its
            rate, channels, sample format and duration.

            Examples:
              pipeline info recordings/demo-mi.xdf
              pipeline info ../shared/data/eeg/eegmmidb-S001/S001R04.edf
              pipeline info words.wav
            """) { file };
        command.SetAction(parse => UserError.Run(() => Run(parse.GetValue(file)!)));
        BatchStop.Wrap(command, "info");
        return command;
    }

    private static int Run(string path)
    {
        if (File.Exists(path) && WavHeader.IsWavFile(path)) return DescribeWav(path);
        using var recording = Recording.Open(path);
        var console = AnsiConsole.Console;
        console.MarkupLine($"[bold]{Markup.Escape(path)}[/]  ({Markup.Escape(recording.Format)}, {recording.Streams.Count} stream{(recording.Streams.Count == 1 ? "" : "s")})");

        var table = new Table().AddColumns("#", "name", "type", "channels", "rate (Hz)", "format", "samples", "first (s)", "duration (s)", "gaps", "role");
        foreach (var s in recording.Streams)
        {
            var gaps = "";
            if (!s.IsMarkerStream && s.Description.IsRegular && s.FrameCount > 1)
            {
                var counter = new GapCounter();
                recording.ReadChunks(s.Index, 4096).ToObservable(ImmediateScheduler.Instance)
                    .DetectGaps(counter.Add).LastOrDefaultAsync().Wait();
                gaps = counter.Gaps == 0 && counter.BackwardJumps == 0 ? "none"
                    : $"{counter.Gaps} ({counter.MissingSeconds.ToString("F3", Inv)} s)" + (counter.BackwardJumps > 0 ? $", {counter.BackwardJumps} backward jump(s)" : "");
            }
            table.AddRow(
                s.Index.ToString(Inv), Markup.Escape(s.Description.Name), Markup.Escape(s.Description.Type),
                s.Description.ChannelCount.ToString(Inv),
                s.Description.IsRegular ? s.Description.NominalRate.ToString("G", Inv) : "irregular",
                s.Description.Format.ToString().ToLowerInvariant(), s.FrameCount.ToString(Inv),
                double.IsNaN(s.FirstTimestamp) ? "-" : s.FirstTimestamp.ToString("F3", Inv),
                s.FrameCount > 1 ? s.Duration.ToString("F3", Inv) : "-", gaps, RoleName(s.Role));
        }
        console.Write(table);

        foreach (var s in recording.SignalStreams)
        {
            var labels = s.Description.ChannelLabels;
            var units = s.Description.ChannelUnits.Where(u => u.Length > 0).Distinct().ToList();
            console.MarkupLine($"[grey]stream {s.Index} channels:[/] {Markup.Escape(string.Join(" ", labels.Select(QuoteLabel)))}" +
                (units.Count > 0 ? $" [grey](unit{(units.Count == 1 ? "" : "s")} {Markup.Escape(string.Join(", ", units))})[/]" : ""));
        }

        var commandStreams = recording.Streams.Where(s => s.Role == StreamRole.Commands).Select(s => s.Description.Name).ToHashSet(StringComparer.Ordinal);
        var cues = recording.Markers.Where(m => !commandStreams.Contains(m.Stream)).ToList();
        var commands = recording.Markers.Where(m => commandStreams.Contains(m.Stream)).ToList();
        if (cues.Count == 0) console.MarkupLine("[grey]cue markers:[/] none");
        else WriteMarkers(console, "cue markers", cues);
        if (commands.Count > 0)
            WriteMarkers(console, $"command markers (written by a pipeline session in {string.Join(", ", commandStreams.Order().Select(n => $"'{n}'"))}; never used as cues)", commands);
        foreach (var w in recording.Warnings) console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        return UserError.CheckDamage(path, recording.Warnings);
    }

    private static void WriteMarkers(IAnsiConsole console, string title, IReadOnlyList<Core.Signals.Marker> markers)
    {
        var table = new Table().AddColumns("marker", "count", "first (s)", "last (s)", "mean duration (s)");
        foreach (var g in markers.GroupBy(m => m.Text).OrderBy(g => g.First().Timestamp).Take(40))
        {
            var durations = g.Where(m => m.Duration > 0).Select(m => m.Duration).ToList();
            table.AddRow(Markup.Escape(Shorten(g.Key)), g.Count().ToString(Inv), g.First().Timestamp.ToString("F3", Inv),
                g.Last().Timestamp.ToString("F3", Inv), durations.Count > 0 ? durations.Average().ToString("F2", Inv) : "-");
        }
        console.MarkupLine($"[grey]{Markup.Escape(title)}:[/] {markers.Count} in {markers.Select(m => m.Text).Distinct().Count()} kinds");
        console.Write(table);
    }

    /// <summary>A WAV file: what replay and listen will read from it (they resample it to 16 kHz mono).</summary>
    private static int DescribeWav(string path)
    {
        var wav = WavHeader.Read(path);
        var console = AnsiConsole.Console;
        console.MarkupLine($"[bold]{Markup.Escape(path)}[/]  (WAV, {Markup.Escape(wav.Encoding)})");
        var table = new Table().AddColumns("rate (Hz)", "channels", "format", "frames", "duration (s)");
        table.AddRow(wav.SampleRate.ToString(Inv), wav.Channels.ToString(Inv), Markup.Escape(wav.Encoding), wav.Frames.ToString(Inv), wav.Seconds.ToString("F3", Inv));
        console.Write(table);
        console.MarkupLine("[grey]replay and listen read it as 16 kHz mono (channels averaged, rate converted).[/]");
        if (!wav.IsTruncated) return 0;
        return UserError.CheckDamage(path, [$"its data chunk declares {wav.DeclaredFrames} frames ({(wav.DeclaredFrames / (double)wav.SampleRate).ToString("F3", Inv)} s) but the file holds {wav.Frames}; the recording was cut short"]);
    }

    private static string RoleName(StreamRole role) => role switch
    {
        StreamRole.Cues => "cues",
        StreamRole.Commands => "commands (pipeline)",
        StreamRole.Predictions => "predictions (pipeline)",
        _ => "signal",
    };

    /// <summary>A channel label as printed in a space-separated list: in double quotes where it is empty or holds spaces or quotes.</summary>
    internal static string QuoteLabel(string label) =>
        label.Length > 0 && !label.Any(ch => char.IsWhiteSpace(ch) || ch is '"' or '\'' or '\\') ? label
            : "\"" + label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Shorten(string s)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length > 48 ? s[..45] + "..." : s;
    }
}
