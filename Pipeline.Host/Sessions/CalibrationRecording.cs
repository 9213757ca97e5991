using System.Globalization;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Sources.Replay;
using Spectre.Console;

namespace Pipeline.Host.Sessions;

/// <summary>
/// <c>--align-calibration FILE</c>: seeds a session's online alignment from a recording of the same person, replayed as fast
/// as possible through the session's own preprocessing and windows (see <see cref="DecodingSession.SeedAlignment"/>).
/// </summary>
internal static class CalibrationRecording
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>What a calibration gave: the file, its usable windows and the seconds of signal they came from.</summary>
    public sealed record Result(string Path, long Windows, double Seconds, IReadOnlyList<string> Warnings);

    /// <summary>Replays <paramref name="path"/> into <paramref name="session"/>'s calibration (its main signal stream).</summary>
    /// <exception cref="PipelineException">The file cannot be read, does not fit the model, or is shorter than a window; or the model has no online alignment.</exception>
    public static Result Seed(DecodingSession session, string path)
    {
        ArgumentNullException.ThrowIfNull(session);
        // Said before the file is read: it would be read for nothing.
        if (session.OnlineAlignment is null)
            throw new PipelineException(session.Model is null
                ? "--align-calibration seeds a model's online alignment, but there is no model; give --model."
                : $"--align-calibration seeds online alignment, but the card of '{System.IO.Path.GetFileName(session.Model.ModelPath)}' applies a fixed alignment matrix (preprocessing.alignment.mode is not 'online'); leave --align-calibration out, or use a model exported with online alignment.");
        using var recording = Recording.Open(path);
        var source = new ReplaySource(recording, new ReplayOptions { Fast = true }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
        var windows = session.SeedAlignment(source.Description, source);
        return new Result(path, windows, source.Stream.Duration, recording.Warnings.ToArray());
    }

    /// <summary>One line on how the session's alignment starts: from the card's reference, or from the calibration.</summary>
    public static void Describe(IAnsiConsole console, DecodingSession session, Result? calibration)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(session);
        if (session.OnlineAlignment is not { } online) return;
        if (calibration is null)
        {
            console.MarkupLine(online.Weight > 0
                ? $"[grey]online alignment: from the card's reference (weight {online.Weight.ToString("G4", Inv)} windows), adapting to this recording[/]"
                : "[grey]online alignment: the running mean of this recording's windows (the card has no reference)[/]");
            return;
        }
        foreach (var w in calibration.Warnings) console.MarkupLine($"[yellow]warning ({Markup.Escape(calibration.Path)}):[/] {Markup.Escape(w)}");
        console.MarkupLine($"[grey]online alignment: seeded from {Markup.Escape(calibration.Path)} ({calibration.Windows} windows, {calibration.Seconds.ToString("F1", Inv)} s), adapting from there[/]");
    }
}
