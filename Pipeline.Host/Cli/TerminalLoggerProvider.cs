using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Pipeline.Host.Cli;

/// <summary>
/// Log lines on an interactive terminal, written through Spectre.Console: while a live status line is shown (serve's
/// start-up) Spectre clears it, writes the log line above it and draws it again, so the two never mix. The console
/// logger writes past Spectre instead, onto the status line, which the next refresh then overwrites: log lines were
/// lost from the screen. The format is the console logger's single line (UTC time, level, category[event], message).
/// Redirected output (systemd's journal, a file) keeps the plain console logger.
/// </summary>
internal sealed class TerminalLoggerProvider(IAnsiConsole console) : ILoggerProvider
{
    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new TerminalLogger(console, categoryName);

    /// <inheritdoc />
    public void Dispose() { }

    private sealed class TerminalLogger(IAnsiConsole console, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var (level, colour) = logLevel switch
            {
                LogLevel.Trace => ("trce", Color.Grey),
                LogLevel.Debug => ("dbug", Color.Grey),
                LogLevel.Information => ("info", Color.Green),
                LogLevel.Warning => ("warn", Color.Yellow),
                LogLevel.Error => ("fail", Color.Red),
                _ => ("crit", Color.Red),
            };
            var text = formatter(state, exception);
            if (exception is not null) text += Environment.NewLine + exception;
            var time = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            try
            {
                console.Write(new LogLine(time, level, colour, $"{category}[{eventId.Id}] {text}"));
            }
            catch (IOException) { } // the terminal went away (SIGHUP); the service goes on stopping
        }
    }

    /// <summary>
    /// One log line as the console logger writes it (long lines wrap in the terminal, not here). It starts by clearing
    /// the screen below the cursor: Spectre writes it where its live status begins and draws the status again after it,
    /// and a wrapped log line would otherwise leave pieces of the old status text beside it.
    /// </summary>
    private sealed class LogLine(string time, string level, Color colour, string text) : Spectre.Console.Rendering.IRenderable
    {
        public Spectre.Console.Rendering.Measurement Measure(Spectre.Console.Rendering.RenderOptions options, int maxWidth) => new(maxWidth, maxWidth);

        public IEnumerable<Spectre.Console.Rendering.Segment> Render(Spectre.Console.Rendering.RenderOptions options, int maxWidth)
        {
            yield return Spectre.Console.Rendering.Segment.Control("\u001b[J");
            yield return new(time + " ");
            yield return new(level, new Style(colour));
            yield return new(": " + text.ReplaceLineEndings("\n"));
            yield return Spectre.Console.Rendering.Segment.LineBreak;
        }
    }
}
