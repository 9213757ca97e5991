using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Signals;
using Pipeline.Host.Cli;
using Pipeline.Lsl;
using Pipeline.Lsl.Xdf;
using Spectre.Console;

namespace Pipeline.Host.Verbs;

/// <summary><c>pipeline lsl list|record</c>: what is on the network, and recording it to XDF.</summary>
internal static class LslVerb
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var lsl = new Command("lsl", "Lab Streaming Layer: list the streams on the network, record them to XDF.");
        lsl.Subcommands.Add(CreateList());
        lsl.Subcommands.Add(CreateRecord());
        lsl.Subcommands.Add(LslBench.Create());
        return lsl;
    }

    private static Command CreateList()
    {
        var wait = new Option<double>("--wait") { Description = "Seconds to wait for streams to answer.", DefaultValueFactory = _ => 2 };
        var config = LslOptions.Config();
        var command = new Command("list", """
            List the LSL streams that answer on the network (name, type, channels, rate, format, source id, host).

            Examples:
              pipeline lsl list
              pipeline lsl list --wait 5 --lsl-config lab.cfg
            """) { wait, config };
        command.SetAction(parse => UserError.Run(() =>
        {
            var cfg = LslOptions.Load(parse.GetValue(config));
            var streams = LSL.ResolveStreams(Math.Max(0.1, parse.GetValue(wait)), cfg);
            if (streams.Count == 0)
            {
                AnsiConsole.MarkupLine("no LSL streams answered (is an outlet running, and does lsl_api.cfg's scope or KnownPeers reach it?)");
                return 0;
            }
            var table = new Table().AddColumns("name", "type", "channels", "rate (Hz)", "format", "source id", "host", "address");
            foreach (var s in streams.OrderBy(s => s.Name, StringComparer.Ordinal))
                table.AddRow(Markup.Escape(s.Name), Markup.Escape(s.Type), s.ChannelCount.ToString(Inv),
                    s.NominalSrate > 0 ? s.NominalSrate.ToString("G", Inv) : "irregular", s.ChannelFormat.ToXmlName(),
                    Markup.Escape(s.SourceId), Markup.Escape(s.Hostname), Markup.Escape($"{s.V4Address}:{s.V4DataPort}"));
            AnsiConsole.Write(table);
            return 0;
        }));
        BatchStop.Wrap(command, "lsl list");
        return command;
    }

    private static Command CreateRecord()
    {
        var output = CommonOptions.Out("The XDF file to write.");
        output.Required = true;
        var streams = new Option<string[]>("--lsl") { HelpName = "query", Description = "A stream to record: an LSL query, as key=value (type=EEG, name=BioSemi) or an XPath predicate; repeat for several. Default: every stream on the network.", AllowMultipleArgumentsPerToken = false };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds (default: until Ctrl+C, SIGTERM or SIGHUP)." };
        var wait = new Option<double>("--wait") { Description = "Seconds to wait for the streams to appear.", DefaultValueFactory = _ => 5 };
        var config = LslOptions.Config();
        var command = new Command("record", """
            Record LSL streams to one XDF file as LabRecorder does: a header per stream, samples as they arrive
            (about every 0.5 s), the clock offset of each stream every 5 s, a boundary chunk every 10 s, and footers
            at the end. The file is flushed after every chunk, so a crash loses at most the last half second.

            Examples:
              pipeline lsl record --out session.xdf --lsl type=EEG --lsl type=Markers
              pipeline lsl record --out session.xdf --duration 600
            """) { output, streams, duration, wait, config };
        command.SetAction(parse => UserError.Run(() => Record(parse.GetValue(output)!, parse.GetValue(streams) ?? [], parse.GetValue(duration),
            parse.GetValue(wait), LslOptions.Load(parse.GetValue(config)))));
        return command;
    }

    private static int Record(string path, string[] queries, double? duration, double wait, LslConfig config)
    {
        var infos = new List<StreamInfo>();
        if (queries.Length == 0)
        {
            infos.AddRange(LSL.ResolveStreams(wait, config));
            if (infos.Count == 0) throw new PipelineException($"No LSL stream answered within {wait.ToString("G", Inv)} s, so there is nothing to record; start the streams or check lsl_api.cfg.");
        }
        foreach (var q in queries)
        {
            var predicate = LslOptions.Predicate(q);
            var found = LSL.ResolveByPred(predicate, 1, wait, config);
            if (found.Count == 0) throw new PipelineException($"No LSL stream matching {q} answered within {wait.ToString("G", Inv)} s; start it or check lsl_api.cfg (scope, KnownPeers).");
            infos.AddRange(found.Where(f => infos.All(i => i.Uid != f.Uid)));
        }

        // SIGTERM, SIGINT and SIGHUP end the recording like its duration does: every stream's footer is written.
        using var cancel = new ConsoleCancellation();
        XdfWriter writer;
        try
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            writer = new XdfWriter(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineException($"Cannot write '{path}' ({e.Message.TrimEnd('.')}); choose a writable path with --out.", e);
        }
        // Outages and recoveries are reported as they happen: the inlets' threads queue a line, the main thread prints it.
        var events = new ConcurrentQueue<string>();
        var recorders = new List<StreamRecorder>();
        var started = Stopwatch.StartNew();
        IOException? failure = null;
        try
        {
            uint id = 1;
            foreach (var info in infos) recorders.Add(new StreamRecorder(id++, info, writer, config, events));
            AnsiConsole.MarkupLine($"recording {recorders.Count} stream(s) to [bold]{Markup.Escape(path)}[/]: " +
                Markup.Escape(string.Join(", ", recorders.Select(r => $"'{r.Name}'"))) + (duration is null ? "; Ctrl+C to stop" : $" for {duration.Value.ToString("G", Inv)} s"));
            foreach (var r in recorders) r.Start(cancel.Token);
            // The duration counts from the moment every stream is connected and recording.
            if (duration is { } d) cancel.CancelAfter(d);
            var nextBoundary = Environment.TickCount64 + 10_000;
            void Wait(Action<string>? status)
            {
                while (!cancel.Token.IsCancellationRequested)
                {
                    var stop = cancel.Token.WaitHandle.WaitOne(status is null ? 500 : 250);
                    while (events.TryDequeue(out var line)) AnsiConsole.MarkupLine(line);
                    if (stop || recorders.Any(r => r.WriteError is not null)) break; // a full disk ends the recording at once
                    status?.Invoke(StatusLine(recorders, started.Elapsed));
                    if (Environment.TickCount64 >= nextBoundary)
                    {
                        writer.WriteBoundary();
                        nextBoundary += 10_000;
                    }
                }
            }
            // A live status line only on a terminal; redirected output gets the events and the summary, nothing else.
            if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
                AnsiConsole.Status().Spinner(Spinner.Known.Dots).Start(StatusLine(recorders, started.Elapsed), ctx => Wait(line => ctx.Status(line)));
            else
                Wait(null);
        }
        finally
        {
            cancel.Cancel();
            foreach (var r in recorders) r.Dispose();
            try
            {
                if (recorders.All(r => r.WriteError is null))
                    foreach (var r in recorders) writer.WriteStreamFooter(r.Id);
                writer.Dispose();
            }
            catch (IOException e)
            {
                failure = e;
            }
        }
        if ((failure ?? recorders.Select(r => r.WriteError).FirstOrDefault(e => e is not null)) is { } io)
            throw new PipelineException($"The recording '{path}' could not be written ({io.Message.Replace($" : '{Path.GetFullPath(path)}'", "", StringComparison.Ordinal).TrimEnd('.')}); it is readable up to the failure; free some space or record elsewhere with --out.", io);
        while (events.TryDequeue(out var line)) AnsiConsole.MarkupLine(line);
        foreach (var r in recorders)
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(Inv, $"  '{r.Name}': {r.Samples} samples, {r.Outages} outage(s), {r.Recoveries} recovered")));
        var outages = recorders.Sum(r => r.Outages);
        AnsiConsole.MarkupLine(outages == 0
            ? "no outage"
            : Markup.Escape(string.Create(Inv, $"{outages} outage(s), {recorders.Sum(r => r.Recoveries)} recovered; the samples pushed during an outage are missing (gaps in the file)")));
        return 0;
    }

    private static string StatusLine(IReadOnlyList<StreamRecorder> recorders, TimeSpan elapsed) =>
        Markup.Escape(string.Create(Inv, $"recording {elapsed:hh\\:mm\\:ss}: {recorders.Sum(r => r.Samples)} samples from {recorders.Count} stream(s), " +
            $"{recorders.Sum(r => r.Outages)} outage(s)"));

    /// <summary>
    /// One stream being recorded: an inlet, a pulling thread that takes the samples in the stream's own value type
    /// (so every format is recorded bit-exactly: no int32 or int64 through float), clock offsets every 5 s.
    /// </summary>
    private sealed class StreamRecorder : IDisposable
    {
        private readonly StreamInlet _inlet;
        private readonly XdfWriter _writer;
        private readonly StreamInfo _info;
        private Thread? _thread;
        private long _samples;

        public StreamRecorder(uint id, StreamInfo info, XdfWriter writer, LslConfig config, ConcurrentQueue<string> events)
        {
            Id = id;
            _writer = writer;
            // Raw timestamps (no clock sync): the offsets are recorded beside them, as LabRecorder does.
            _inlet = new StreamInlet(info, config: config);
            var name = Markup.Escape(info.Name);
            _inlet.Interrupted += o => events.Enqueue($"[yellow]outage:[/] stream '{name}' lost its outlet at {DateTime.Now:HH:mm:ss} ({Markup.Escape(o.Reason)}); waiting for it to come back");
            _inlet.Recovered += r => events.Enqueue(Markup.Escape(string.Create(Inv,
                $"recovered: stream '{info.Name}' is back after {r.Outage:F1} s (outlet {r.NewUid}); the samples pushed meanwhile are missing")));
            _info = _inlet.Info(10);
            _writer.WriteStreamHeader(id, _info);
            _inlet.OpenStream(10);
        }

        public uint Id { get; }
        public string Name => _info.Name;
        public long Samples => Interlocked.Read(ref _samples);
        public int Outages => _inlet.OutageCount;
        /// <summary>The write error that stopped this stream's recording, or null.</summary>
        public IOException? WriteError { get; private set; }
        public int Recoveries => _inlet.RecoveryCount;

        public void Start(CancellationToken cancel)
        {
            _thread = new Thread(() => Run(cancel)) { IsBackground = true, Name = "record " + Name };
            _thread.Start();
        }

        private void Run(CancellationToken cancel)
        {
            var channels = _info.ChannelCount;
            var capacity = Math.Max(64, (int)Math.Ceiling((_info.NominalSrate > 0 ? _info.NominalSrate : 100) * 0.6));
            var timestamps = new double[capacity];
            // Pull in the stream's own type and write those values: the XDF keeps the exact bits the outlet sent.
            Func<int> drain = _info.ChannelFormat switch
            {
                ChannelFormat.Float32 => Drain(new float[capacity * channels], b => _inlet.PullChunk(b, timestamps, 0), (n, b) => _writer.WriteSamples(Id, timestamps.AsSpan(0, n), b.AsSpan(0, n * channels))),
                ChannelFormat.Double64 => Drain(new double[capacity * channels], b => _inlet.PullChunk(b, timestamps, 0), (n, b) => _writer.WriteSamples(Id, timestamps.AsSpan(0, n), b.AsSpan(0, n * channels))),
                ChannelFormat.Int64 => Drain(new long[capacity * channels], b => _inlet.PullChunk(b, timestamps, 0), (n, b) => _writer.WriteSamples(Id, timestamps.AsSpan(0, n), b.AsSpan(0, n * channels))),
                ChannelFormat.Int32 => Drain(new int[capacity * channels], b => _inlet.PullChunk(b, timestamps, 0), (n, b) => _writer.WriteSamples(Id, timestamps.AsSpan(0, n), b.AsSpan(0, n * channels))),
                ChannelFormat.Int16 => Drain(new short[capacity * channels], b => _inlet.PullChunk(b, timestamps, 0), (n, b) => _writer.WriteSamples(Id, timestamps.AsSpan(0, n), b.AsSpan(0, n * channels))),
                ChannelFormat.Int8 => Drain(new sbyte[capacity * channels], b => _inlet.PullChunk(b, timestamps, 0), (n, b) => _writer.WriteSamples(Id, timestamps.AsSpan(0, n), b.AsSpan(0, n * channels))),
                _ => Drain(new string[capacity * channels], b => _inlet.PullChunk(b, timestamps, 0), (n, b) => _writer.WriteStringSamples(Id, timestamps.AsSpan(0, n), new ArraySegment<string>(b, 0, n * channels))),
            };
            var nextOffset = 0L;
            try
            {
                while (!cancel.IsCancellationRequested)
                {
                    if (Environment.TickCount64 >= nextOffset)
                    {
                        try
                        {
                            var offset = _inlet.TimeCorrection(2);
                            _writer.WriteClockOffset(Id, LslClock.LocalClock() - offset, offset);
                            nextOffset = Environment.TickCount64 + 5000;
                        }
                        catch (TimeoutException)
                        {
                            nextOffset = Environment.TickCount64 + 1000; // no estimate yet (a recovered outlet): the samples go on, the offset follows
                        }
                    }
                    cancel.WaitHandle.WaitOne(500);
                    DrainAll(drain, capacity);
                }
                DrainAll(drain, capacity); // at stop: what the inlet already received goes into the file too
            }
            catch (Exception e) when (e is LslException or TimeoutException or ObjectDisposedException)
            {
                AnsiConsole.MarkupLine($"[yellow]warning:[/] stream '{Markup.Escape(Name)}' stopped recording: {Markup.Escape(e.Message)}");
            }
            catch (IOException e)
            {
                // A full disk: the writer cut the file back to its last whole chunk; the verb ends with one sentence.
                WriteError = e;
            }
        }

        private void DrainAll(Func<int> drain, int capacity)
        {
            int n;
            do
            {
                n = drain();
                Interlocked.Add(ref _samples, n);
            } while (n == capacity);
        }

        private static Func<int> Drain<T>(T[] buffer, Func<T[], int> pull, Action<int, T[]> write) => () =>
        {
            var n = pull(buffer);
            if (n > 0) write(n, buffer);
            return n;
        };

        public void Dispose()
        {
            _thread?.Join(TimeSpan.FromSeconds(3));
            _inlet.Dispose();
        }
    }
}
