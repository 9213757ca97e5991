using System.CommandLine;
using System.Text.RegularExpressions;
using Pipeline.Host;
using Pipeline.Host.Cli;
using Pipeline.Lsl.Xdf;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Cli;

/// <summary>
/// One name per meaning across verbs (issue 14, item 16): every verb's <c>--help</c> is parsed and each option is
/// checked against the vocabulary of docs/cli.md; the spellings of the previous release still work, hidden.
/// </summary>
public sealed class OptionVocabularyTests
{
    /// <summary>The canonical names and what each must mean wherever it appears (a phrase its help must contain).</summary>
    private static readonly Dictionary<string, Func<string, bool>> Canonical = new()
    {
        ["--device"] = d => d.Contains("cpu, cuda or auto"),
        ["--mic"] = d => d.Contains("microphone") && d.Contains("capture device"),
        ["--jsonl"] = d => d.Contains("JSON Lines"),
        ["--json"] = d => d.Contains("as JSON to this file"),
        ["--csv"] = d => d.Contains("CSV"),
        ["--out"] = d => !d.Contains("JSON Lines") && (d.Contains("XDF") || d.Contains(".npz")),
        ["--channels"] = d => d.Contains("label") && !d.Contains("a count"),
        ["--channel-count"] = d => !d.Contains("label") && (d.Contains("number of EEG channels") || d.Contains("Channels per sample")),
        ["--lsl"] = d => d.Contains("an LSL query"),
        ["--markers-lsl"] = d => d.Contains("an LSL query"),
        ["--wait"] = d => d.StartsWith("Seconds to wait") || d.StartsWith("With --to-lsl: seconds to wait"),
        ["--stream"] = d => d.Contains("by name or index"),
    };

    /// <summary>Meanings that must carry their canonical name wherever they appear.</summary>
    private static readonly (Regex Meaning, string Name)[] Reverse =
    [
        (new("cpu, cuda or auto"), "--device"),
        (new("JSON Lines"), "--jsonl"),
        (new("capture device|microphone:"), "--mic"),
        (new(@"an LSL query|as key=value"), "--lsl|--markers-lsl"),
        (new(@"^Seconds to (look for|wait|listen)|seconds to wait"), "--wait"),
        (new(@"by label|10-10 labels"), "--channels"),
    ];

    private static IEnumerable<(string Verb, Command Command)> Verbs(Command command, string path)
    {
        foreach (var sub in command.Subcommands)
        {
            var verb = (path + " " + sub.Name).Trim();
            if (sub.Subcommands.Count == 0) yield return (verb, sub);
            else foreach (var v in Verbs(sub, verb)) yield return v;
        }
    }

    private static string HelpOf(string verb)
    {
        using var output = new StringWriter();
        var parse = Pipeline.Host.Program.CreateRoot().Parse([.. verb.Split(' '), "--help"]);
        Assert.Equal(0, parse.Invoke(new InvocationConfiguration { Output = output }));
        return output.ToString();
    }

    /// <summary>(names, meaning) of each option in one --help, continuation lines joined (as docs/cli-options.py reads it).</summary>
    private static List<(string[] Names, string Meaning)> Options(string help)
    {
        var found = new List<(string[] Names, string Meaning)>();
        var section = false;
        foreach (var line in help.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (line.StartsWith("Options:")) { section = true; continue; }
            if (section && line.Length > 0 && !line.StartsWith(' ')) break;
            if (!section || line.Trim().Length == 0) continue;
            var m = Regex.Match(line, @"^  (-\S.*?)\s{2,}(.*)$");
            if (m.Success)
                found.Add((m.Groups[1].Value.Split(", ").Select(n => n.Split(' ')[0]).ToArray(), m.Groups[2].Value.Trim()));
            else if (found.Count > 0)
                found[^1] = (found[^1].Names, found[^1].Meaning + " " + line.Trim());
        }
        return found.Where(o => !o.Names.Contains("--help")).ToList();
    }

    private static List<(string Verb, string[] Names, string Meaning)> AllOptions() =>
        Verbs(Pipeline.Host.Program.CreateRoot(), "").SelectMany(v => Options(HelpOf(v.Verb)).Select(o => (v.Verb, o.Names, o.Meaning))).ToList();

    [Fact]
    public void Every_verbs_help_uses_each_option_name_in_its_one_meaning()
    {
        var options = AllOptions();
        Assert.True(options.Count > 100, $"only {options.Count} options read from the help texts");
        Assert.Contains(options, o => o.Verb == "listen" && o.Names.Contains("--device"));
        var wrong = new List<string>();
        foreach (var (verb, names, meaning) in options)
        {
            foreach (var name in names)
                if (Canonical.TryGetValue(name, out var means) && !means(meaning))
                    wrong.Add($"{verb} {name}: '{meaning}' is not what {name} means elsewhere");
            foreach (var (pattern, canonical) in Reverse)
                if (pattern.IsMatch(meaning) && !names.Any(n => Regex.IsMatch(n, $"^({canonical})$")))
                    wrong.Add($"{verb} {string.Join(", ", names)}: '{meaning}' should be called {canonical}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void The_old_spellings_appear_in_no_help()
    {
        var options = AllOptions();
        foreach (var old in LegacySpellings.All.Where(s => s.Applies is null))
            Assert.DoesNotContain(options, o => o.Verb == old.Verb && o.Names.Contains(old.Old));
        // The names kept with a new meaning: listen --device is the compute device, simulate --channels the labels.
        Assert.Contains(options, o => o.Verb == "listen" && o.Names.SequenceEqual(["--device"]) && o.Meaning.Contains("cuda"));
        Assert.Contains(options, o => o.Verb == "listen" && o.Names.SequenceEqual(["--mic"]));
    }

    /// <summary>The arguments a verb needs to parse at all, then the old spelling and a value it applies to.</summary>
    public static TheoryData<string, string, string, string> OldSpellings() => new()
    {
        { "listen --model m.onnx", "--compute", "cuda", "--device" },
        { "listen --model m.onnx", "-d", "vmic", "--mic" },
        { "listen --model m.onnx", "--device", "vmic", "--mic" },
        { "replay x.xdf", "--out", "x.jsonl", "--jsonl" },
        { "replay x.xdf", "-o", "x.jsonl", "--jsonl" },
        { "run --lsl type=EEG --model m.onnx", "--out", "x.jsonl", "--jsonl" },
        { "run --lsl type=EEG --model m.onnx", "-o", "x.jsonl", "--jsonl" },
        { "run --lsl type=EEG --model m.onnx", "--resolve-timeout", "3", "--wait" },
        { "lsl record --out x.xdf", "--stream", "type=EEG", "--lsl" },
        { "lsl record --out x.xdf", "-s", "type=EEG", "--lsl" },
        { "lsl bench", "--channels", "8", "--channel-count" },
        { "simulate --out x.xdf", "--channels", "64", "--channel-count" },
    };

    [Theory]
    [MemberData(nameof(OldSpellings))]
    public void An_old_spelling_parses_as_its_new_name_with_a_note(string verb, string old, string value, string canonical)
    {
        var notes = new StringWriter();
        foreach (var form in new[] { new[] { old, value }, [$"{old}={value}"] })
        {
            if (!old.StartsWith("--") && form.Length == 1) continue; // '-d=x' is no form System.CommandLine reads either
            var args = LegacySpellings.Rewrite([.. verb.Split(' '), .. form], notes);
            var parse = Pipeline.Host.Program.CreateRoot().Parse(args);
            Assert.True(parse.Errors.Count == 0, string.Join("; ", parse.Errors.Select(e => e.Message)));
            var option = parse.CommandResult.Command.Options.Single(o => o.Name == canonical);
            Assert.Equal(value, Assert.Single(parse.GetResult(option)!.Tokens).Value);
            Assert.Contains($"'{old}' of 'pipeline", notes.ToString());
            Assert.Contains($"is now '{canonical}'", notes.ToString());
        }
        // The new spelling itself is left alone and says nothing.
        var quiet = new StringWriter();
        var same = LegacySpellings.Rewrite([.. verb.Split(' '), canonical, value], quiet);
        Assert.Equal([.. verb.Split(' '), canonical, value], same);
        Assert.Equal("", quiet.ToString());
    }

    [Fact]
    public void An_old_spelling_is_rewritten_only_in_its_own_verb_and_meaning()
    {
        string[] Same(params string[] args) => LegacySpellings.Rewrite(args, null);
        // listen --device with a compute device is the new meaning, not the microphone.
        Assert.Equal(["listen", "--model", "m", "--device", "cuda"], Same("listen", "--model", "m", "--device", "cuda"));
        Assert.Equal(["listen", "--device=AUTO"], Same("listen", "--device=AUTO"));
        // --out is the XDF of lsl record and simulate, the npz of epochs: untouched there.
        Assert.Equal(["lsl", "record", "--out", "x.xdf"], Same("lsl", "record", "--out", "x.xdf"));
        Assert.Equal(["epochs", "f.edf", "--out", "x.npz"], Same("epochs", "f.edf", "--out", "x.npz"));
        // --stream is a stream in a file for replay; --channels labels stay labels in simulate.
        Assert.Equal(["replay", "f.xdf", "--stream", "EEG"], Same("replay", "f.xdf", "--stream", "EEG"));
        Assert.Equal(["simulate", "--channels", "C3,Cz,C4"], Same("simulate", "--channels", "C3,Cz,C4"));
        // A value that looks like an old name is a value; nothing after '--' is touched.
        Assert.Equal(["run", "--csv", "x", "--", "--out"], Same("run", "--csv", "x", "--", "--out"));
    }

    [Fact]
    public void Simulate_with_the_old_channel_count_writes_the_same_file_as_the_new_spelling()
    {
        using var a = new TempPath(".xdf");
        using var b = new TempPath(".xdf");
        var old = PipelineCli.Run("simulate", "--minutes", "0.1", "--seed", "5", "--channels", "8", "--out", a.Path);
        var now = PipelineCli.Run("simulate", "--minutes", "0.1", "--seed", "5", "--channel-count", "8", "--out", b.Path);
        Assert.True(old.ExitCode == 0, old.All);
        Assert.True(now.ExitCode == 0, now.All);
        Assert.Contains("'--channels' of 'pipeline simulate' is now '--channel-count'", old.Err);
        Assert.DoesNotContain("note:", now.Err);
        Assert.Equal(File.ReadAllBytes(b.Path), File.ReadAllBytes(a.Path));
        Assert.Equal(8, XdfReader.Open(a.Path).Streams.Single(s => s.Header.Type == "EEG").Header.ChannelCount);
        var both = PipelineCli.Run("simulate", "--channels", "C3,Cz", "--channel-count", "8", "--out", b.Path);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("give one", both.Err);
    }
}
