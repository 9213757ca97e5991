using Spectre.Console;

namespace Pipeline.Tests.Infrastructure;

/// <summary>A Spectre console that writes plain text (no colours, wide lines) into a string, for sink tests.</summary>
public sealed class TextConsole
{
    private readonly StringWriter _writer = new();

    public TextConsole()
    {
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(_writer),
            Interactive = InteractionSupport.No,
        });
        Console.Profile.Width = 200;
    }

    public IAnsiConsole Console { get; }

    public string Text => _writer.ToString();

    public string[] Lines => Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}
