using System.CommandLine;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Core.Sessions;
using Pipeline.Sources.Replay;

namespace Pipeline.Host.Verbs;

/// <summary>The main job: <c>pipeline</c> with no verb replays the demo recording through the demo model.</summary>
internal static class DemoVerb
{
    /// <summary>The demo recording, relative to the repository root.</summary>
    public const string DemoRecording = "recordings/demo-mi.xdf";
    /// <summary>The demo model, relative to the repository root.</summary>
    public const string DemoModel = "models/dbconformer-demo.onnx";

    public static void Attach(RootCommand root)
    {
        var speed = new Option<double>("--speed") { Description = "Pace of the demo (times real time).", DefaultValueFactory = _ => 6 };
        root.Options.Add(speed);
        root.SetAction(parse => UserError.Run(() =>
        {
            var recording = Locate(DemoRecording)
                ?? throw new PipelineException($"The demo recording {DemoRecording} was not found from '{Environment.CurrentDirectory}'; run pipeline from the repository root (or make it with: pipeline simulate --minutes 3 --seed 1 --out {DemoRecording}).");
            var model = Locate(DemoModel);
            return ReplayVerb.Execute(new ReplayVerb.ReplayRequest
            {
                Path = recording,
                Replay = new ReplayOptions { Speed = parse.GetValue(speed) },
                ModelPath = model,
                Decoding = new DecodingOptions { Session = "demo" },
                Quiet = model is not null,
            });
        }));
    }

    /// <summary>Finds a repository file from the current folder or from the program's own location.</summary>
    public static string? Locate(string relative)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate)) return Path.GetRelativePath(Environment.CurrentDirectory, candidate);
            }
        }
        return null;
    }
}
