using System.CommandLine;
using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Pipeline.Core.Operators;
using Pipeline.Host.Cli;
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
        var command = new Command("info", """
            Show what a recording holds: its streams (name, type, channels, rate, format, samples, duration),
            channel labels, a summary of its markers, and the gaps in each regular stream.

            Examples:
              pipeline info recordings/demo-mi.xdf
              pipeline info ../shared/data/eeg/eegmmidb-S001/S001R04.edf
            """) { file };
        command.SetAction(parse => UserError.Run(() => Run(parse.GetValue(file)!)));
        return command;
    }

    private static int Run(string path)
    {
        using var recording = Recording.Open(path);
        var console = AnsiConsole.Console;
        console.MarkupLine($"[bold]{Markup.Escape(path)}[/]  ({Markup.Escape(recording.Format)}, {recording.Streams.Count} stream{(recording.Streams.Count == 1 ? "" : "s")})");

        var table = new Table().AddColumns("#", "name", "type", "channels", "rate (Hz)", "format", "samples", "first (s)", "duration (s)", "gaps");
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
                s.FrameCount > 1 ? s.Duration.ToString("F3", Inv) : "-", gaps);
        }
        console.Write(table);

        foreach (var s in recording.SignalStreams)
        {
            var labels = s.Description.ChannelLabels;
            var units = s.Description.ChannelUnits.Where(u => u.Length > 0).Distinct().ToList();
            console.MarkupLine($"[grey]stream {s.Index} channels:[/] {Markup.Escape(string.Join(" ", labels))}" +
                (units.Count > 0 ? $" [grey](unit{(units.Count == 1 ? "" : "s")} {Markup.Escape(string.Join(", ", units))})[/]" : ""));
        }

        if (recording.Markers.Count == 0)
        {
            console.MarkupLine("[grey]markers:[/] none");
        }
        else
        {
            var markers = new Table().AddColumns("marker", "count", "first (s)", "last (s)", "mean duration (s)");
            foreach (var g in recording.Markers.GroupBy(m => m.Text).OrderBy(g => g.First().Timestamp).Take(40))
            {
                var durations = g.Where(m => m.Duration > 0).Select(m => m.Duration).ToList();
                markers.AddRow(Markup.Escape(Shorten(g.Key)), g.Count().ToString(Inv), g.First().Timestamp.ToString("F3", Inv),
                    g.Last().Timestamp.ToString("F3", Inv), durations.Count > 0 ? durations.Average().ToString("F2", Inv) : "-");
            }
            console.MarkupLine($"[grey]markers:[/] {recording.Markers.Count} in {recording.Markers.Select(m => m.Text).Distinct().Count()} kinds");
            console.Write(markers);
        }
        foreach (var w in recording.Warnings) console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        return UserError.CheckDamage(path, recording.Warnings);
    }

    private static string Shorten(string s)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length > 48 ? s[..45] + "..." : s;
    }
}
