using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Text.Json;
using Pipeline.Core.Evaluation;
using Pipeline.Core.Features;
using Pipeline.Core.Operators;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Host.Sessions;
using Pipeline.Sources.Replay;
using Spectre.Console;

namespace Pipeline.Host.Verbs;

/// <summary><c>pipeline bench</c>: measured throughput and allocations of the pipeline's stages.</summary>
internal static class BenchVerb
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: measure, do not guess. Each reports medians and p99 over repeated runs, side by side.");
        bench.Subcommands.Add(CreateReplay());
        return bench;
    }

    private static Command CreateReplay()
    {
        var file = CommonOptions.RecordingArgument();
        var repeat = new Option<int>("--repeat") { Description = "Timed runs per configuration (after one warm-up run).", DefaultValueFactory = _ => 7 };
        var window = new Option<double>("--window") { Description = "Window length, s.", DefaultValueFactory = _ => 4 };
        var hop = new Option<double>("--hop") { Description = "Window hop, s.", DefaultValueFactory = _ => 0.25 };
        var band = CommonOptions.Band("Band-pass edges in Hz (default 8 30).");
        var stream = CommonOptions.Stream();
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var command = new Command("replay", """
            Real-time factor of `replay --fast` without a model, and the allocations of the hot path. Three
            configurations side by side in one run: windowing only; gap detection + notch + band-pass + windowing +
            band power (chunks already in memory, so the file reader is not counted); and the whole replay from the
            file. Allocated bytes are counted on the processing thread after a warm-up run.

            Examples:
              pipeline bench replay ../shared/data/eeg/eegmmidb-S001/S001R04.edf
              pipeline bench replay ../shared/data/xdf/clock_resets.xdf --repeat 11 --json bench.json
            """) { file, repeat, window, hop, band, stream, json };
        command.SetAction(parse => UserError.Run(() => RunReplay(parse.GetValue(file)!, Math.Max(1, parse.GetValue(repeat)),
            parse.GetValue(window), parse.GetValue(hop), CommonOptions.ParseBand(parse.GetValue(band)) ?? (8, 30), parse.GetValue(stream), parse.GetValue(json))));
        return command;
    }

    private sealed record Row(string Configuration, double RtfMedian, double RtfP99Worst, double ChunkUsP50, double ChunkUsP99, double BytesPerChunk, double BytesPerSample, long Windows);

    private static int RunReplay(string path, int repeat, double windowSeconds, double hopSeconds, (double Low, double High) band, string? streamName, string? jsonPath)
    {
        using var recording = Recording.Open(path);
        var stream = recording.ChooseSignalStream(streamName);
        var d = stream.Description;
        var chunkFrames = new ReplayOptions().ChunkFramesFor(d.NominalRate);
        var chunks = recording.ReadChunks(stream.Index, chunkFrames).Select(c => c.Clone()).ToList();
        var frames = chunks.Sum(c => (long)c.Frames);
        var signalSeconds = frames / d.NominalRate;
        var windowSamples = (int)Math.Round(windowSeconds * d.NominalRate);
        if (frames < windowSamples)
            throw new PipelineException($"The window of {windowSeconds.ToString("G", Inv)} s is longer than the stream '{d.Name}' ({signalSeconds.ToString("F1", Inv)} s); choose a shorter --window.");
        AnsiConsole.MarkupLine($"[bold]bench replay[/] {Markup.Escape(path)}: stream '{Markup.Escape(d.Name)}', {d.ChannelCount} channels at {d.NominalRate.ToString("G", Inv)} Hz, {signalSeconds.ToString("F1", Inv)} s in {chunks.Count} chunks of {chunkFrames} frames; {repeat} timed runs each");

        var rows = new List<Row>
        {
            MeasureChain("windowing only", chunks, repeat, signalSeconds, d, s => s.SlidingWindows(new SlidingWindowOptions { LengthSamples = windowSamples, HopSeconds = hopSeconds }), false),
            MeasureChain("gaps + notch 50 + band-pass + windowing", chunks, repeat, signalSeconds, d,
                s => s.DetectGaps(_ => { }).Notch(50).BandPass(band.Low, band.High).SlidingWindows(new SlidingWindowOptions { LengthSamples = windowSamples, HopSeconds = hopSeconds }), false),
            MeasureChain("the same + band power per window", chunks, repeat, signalSeconds, d,
                s => s.DetectGaps(_ => { }).Notch(50).BandPass(band.Low, band.High).SlidingWindows(new SlidingWindowOptions { LengthSamples = windowSamples, HopSeconds = hopSeconds }), true),
            MeasureFile(path, repeat, signalSeconds, streamName, windowSeconds, hopSeconds, band),
        };

        var table = new Table().AddColumns("configuration", "real-time factor (median)", "worst run", "per chunk p50 (µs)", "per chunk p99 (µs)", "bytes / chunk", "bytes / frame", "windows");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Configuration), $"{r.RtfMedian.ToString("N0", Inv)}x", $"{r.RtfP99Worst.ToString("N0", Inv)}x",
                double.IsNaN(r.ChunkUsP50) ? "-" : r.ChunkUsP50.ToString("F1", Inv), double.IsNaN(r.ChunkUsP99) ? "-" : r.ChunkUsP99.ToString("F1", Inv),
                r.BytesPerChunk.ToString("F1", Inv), r.BytesPerSample.ToString("F3", Inv), r.Windows.ToString(Inv));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]real-time factor = signal seconds / wall seconds; bytes counted on the processing thread after a warm-up run; the file row also counts what each run sets up (opening the file, the session), spread over its chunks.[/]");
        if (jsonPath is not null)
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(new { file = path, stream = d.Name, channels = d.ChannelCount, rate = d.NominalRate, signal_seconds = signalSeconds, runs = repeat, rows }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static Row MeasureChain(string name, List<SignalChunk> chunks, int repeat, double signalSeconds, StreamDescription d,
        Func<IObservable<SignalChunk>, IObservable<Window>> chain, bool bandPower)
    {
        var rtf = new List<double>();
        var perChunk = new LatencyRecorder(chunks.Count * repeat);
        long bytes = 0, windows = 0;
        var output = new float[d.ChannelCount];
        // One chain for all runs, as in a live session: each run replays the same chunks, which the chain sees as a
        // clock reset and restarts on, so only the first (warm-up) run pays for buffers and JIT.
        var subject = new Subject<SignalChunk>();
        long count = 0;
        using var sub = chain(subject).Subscribe(w =>
        {
            count++;
            if (bandPower) SignalPower.LogMeanSquare(w, output);
        });
        for (var run = 0; run <= repeat; run++)
        {
            var warm = run == 0;
            count = 0;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            foreach (var c in chunks)
            {
                var t = Stopwatch.GetTimestamp();
                subject.OnNext(c);
                if (!warm) perChunk.Add((Stopwatch.GetTimestamp() - t) * 1e6 / Stopwatch.Frequency);
            }
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (warm) continue;
            rtf.Add(signalSeconds / elapsed);
            bytes += used;
            windows = count;
        }
        var frames = chunks.Sum(c => (long)c.Frames) * (double)repeat;
        return new Row(name, Median(rtf), rtf.Min(), perChunk.Quantile(0.5), perChunk.Quantile(0.99), bytes / (double)(chunks.Count * repeat), bytes / frames, windows);
    }

    private static Row MeasureFile(string path, int repeat, double signalSeconds, string? streamName, double windowSeconds, double hopSeconds, (double, double) band)
    {
        var rtf = new List<double>();
        long bytes = 0, chunkCount = 0, frames = 0, windows = 0;
        for (var run = 0; run <= repeat; run++)
        {
            using var recording = Recording.Open(path);
            var source = new ReplaySource(recording, new ReplayOptions { Fast = true, Stream = streamName }, System.Reactive.Concurrency.ImmediateScheduler.Instance);
            using var session = new DecodingSession(source.Description, new DecodingSettings { WindowSeconds = windowSeconds, HopSeconds = hopSeconds, Band = band, Notch = 50 }, []);
            long chunksSeen = 0;
            var counted = source.Do(e => { if (e.Chunk is not null) chunksSeen++; });
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            var summary = session.Run(counted, CancellationToken.None);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (run == 0) continue;
            rtf.Add(signalSeconds / elapsed);
            bytes += used;
            chunkCount += chunksSeen;
            frames += summary.Frames;
            windows = summary.Windows;
        }
        return new Row("whole replay from the file (read + decode + the chain above)", Median(rtf), rtf.Min(), double.NaN, double.NaN,
            bytes / (double)Math.Max(1, chunkCount), bytes / (double)Math.Max(1, frames), windows);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return LatencyRecorder.QuantileOfSorted(sorted, 0.5);
    }
}
