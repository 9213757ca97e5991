using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Pipeline.Core.Monitoring;
using Pipeline.Core.Signals;

namespace Pipeline.Host.Dashboard;

/// <summary>
/// One browser's live view of one session, as Server-Sent Events: a <c>hello</c> (channels, classes, rates) whenever
/// a run starts, a <c>tick</c> ten times a second with what the rings gained since the last one (scope frames,
/// probabilities, latencies, commands, markers, gaps, VAD, speech segments), and a <c>status</c> once a second
/// (counters, channel quality, latency histogram). Everything is read from the session's rings with this connection's
/// own cursors, on this request's thread: a browser that reads slowly only delays its own next tick and then skips to
/// the newest frames; the session never waits for it.
/// </summary>
internal sealed class LiveFeed
{
    /// <summary>Time between two ticks.</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);
    /// <summary>A write that takes longer than this ends the connection (the browser stopped reading).</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    private readonly IDashboardSessions _sessions;
    private readonly string _id;
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    private LiveSession? _live;
    private long _scopeCursor, _valueCursor, _latencyCursor, _commandCursor, _markerCursor, _gapCursor, _vadCursor, _speechCursor;
    private float[] _frames = [];
    private double[] _times = [];
    private long _missedFrames;
    private bool _greeted;
    private Utf8JsonWriter? _json;
    private readonly Action<Utf8JsonWriter> _tick, _status;

    private LiveFeed(IDashboardSessions sessions, string id)
    {
        _sessions = sessions;
        _id = id;
        _tick = Tick;
        _status = Status;
    }

    /// <summary>Serves the feed of session <paramref name="id"/> until the browser leaves.</summary>
    public static async Task Serve(HttpContext context, IDashboardSessions sessions, string id)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        var feed = new LiveFeed(sessions, id);
        var aborted = context.RequestAborted;
        var tick = 0;
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                feed.Compose(tick++ % 10 == 0);
                using (var write = CancellationTokenSource.CreateLinkedTokenSource(aborted))
                {
                    write.CancelAfter(WriteTimeout);
                    await response.Body.WriteAsync(feed._buffer.WrittenMemory, write.Token).ConfigureAwait(false);
                    await response.Body.FlushAsync(write.Token).ConfigureAwait(false);
                }
                await Task.Delay(TickInterval, aborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The browser left, or stopped reading for longer than the write timeout: this connection ends, nothing else.
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Writes the next events into the buffer: a hello when the run changed, a tick, and with <paramref name="withStatus"/> a status.</summary>
    private void Compose(bool withStatus)
    {
        _buffer.ResetWrittenCount();
        var live = _sessions.Live(_id);
        if (!_greeted || !ReferenceEquals(live?.Monitor, _live?.Monitor))
        {
            _greeted = true;
            _live = live;
            _scopeCursor = _valueCursor = _latencyCursor = _commandCursor = _markerCursor = _gapCursor = _vadCursor = _speechCursor = 0;
            _missedFrames = 0;
            if (live is not null)
            {
                var m = live.Monitor;
                var width = Math.Max(m.ScopeRing?.Width ?? 1, m.ValueRing?.Width ?? 1);
                var capacity = Math.Max(m.ScopeRing?.Capacity ?? 1, Math.Max(m.ValueRing?.Capacity ?? 1, m.VadRing?.Capacity ?? 1));
                _frames = new float[width * capacity];
                _times = new double[capacity];
            }
            Event("hello", w => Hello(w, live));
            withStatus = true;
        }
        if (_live is not null) Event("tick", _tick);
        if (withStatus) Event("status", _status);
    }

    private void Event(string name, Action<Utf8JsonWriter> body)
    {
        _buffer.Write("event: "u8);
        _buffer.Write(name switch { "tick" => "tick"u8, "status" => "status"u8, _ => "hello"u8 });
        _buffer.Write("\ndata: "u8);
        // One writer per connection, reset for each event: the feed's own garbage stays small.
        if (_json is null) _json = new Utf8JsonWriter(_buffer);
        else _json.Reset(_buffer);
        body(_json);
        _json.Flush();
        _buffer.Write("\n\n"u8);
    }

    private void Hello(Utf8JsonWriter w, LiveSession? live)
    {
        w.WriteStartObject();
        w.WriteString("id", _id);
        w.WriteBoolean("running", live is not null);
        if (live is not null)
        {
            var m = live.Monitor;
            w.WriteString("kind", live.Kind);
            w.WriteString("model", PathRedaction.FileNamesOnly(live.Model));
            w.WriteString("processing", PathRedaction.FileNamesOnly(live.Processing));
            if (m.Layout.Scope is { } scope)
            {
                Strings(w, "channels", scope.ChannelLabels);
                w.WriteNumber("rate", scope.NominalRate);
                w.WriteNumber("scopeRate", m.ScopeRate);
                w.WriteNumber("scopeSeconds", m.Layout.ScopeSeconds);
            }
            if (m.Layout.Values is { } values)
            {
                Strings(w, "values", values);
                w.WriteString("valueKind", m.Layout.ValueKind);
            }
            w.WriteBoolean("speech", m.Layout.Speech);
            w.WriteStartArray("histogramBounds");
            foreach (var b in m.Latency.Bounds) w.WriteNumberValue(b);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private void Tick(Utf8JsonWriter w)
    {
        var m = _live!.Monitor;
        w.WriteStartObject();
        if (m.ScopeRing is { } scope) Frames(w, "scope", scope, ref _scopeCursor, channelMajor: true, digits: 2);
        if (m.ValueRing is { } values) Frames(w, "values", values, ref _valueCursor, channelMajor: true, digits: 4);
        Frames(w, "latency", m.LatencyRing, ref _latencyCursor, channelMajor: true, digits: 3);
        if (m.VadRing is { } vad) Frames(w, "vad", vad, ref _vadCursor, channelMajor: true, digits: 3);
        var commands = m.Commands.ReadNew(ref _commandCursor);
        if (commands.Length > 0)
        {
            w.WriteStartArray("commands");
            foreach (var c in commands)
            {
                w.WriteStartObject();
                w.WriteNumber("time", c.Command.Time);
                w.WriteString("name", c.Command.Name);
                w.WriteString("class", c.Command.ClassName);
                w.WriteNumber("confidence", Math.Round(c.Command.Confidence, 3));
                w.WriteNumber("window", c.Command.WindowIndex);
                Number(w, "latencyMs", c.LatencyMs, 2);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        var markers = m.Markers.ReadNew(ref _markerCursor);
        if (markers.Length > 0)
        {
            w.WriteStartArray("markers");
            foreach (var k in markers)
            {
                w.WriteStartObject();
                w.WriteNumber("time", k.Timestamp);
                w.WriteString("text", k.Text);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        var gaps = m.Gaps.ReadNew(ref _gapCursor);
        if (gaps.Length > 0)
        {
            w.WriteStartArray("gaps");
            foreach (var g in gaps)
            {
                w.WriteStartObject();
                w.WriteNumber("time", g.LastBefore);
                Number(w, "seconds", g.Duration, 3);
                w.WriteNumber("frames", g.MissingFrames);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (m.Speech is { } speech)
        {
            var segments = speech.ReadNew(ref _speechCursor);
            if (segments.Length > 0)
            {
                w.WriteStartArray("speech");
                foreach (var s in segments)
                {
                    w.WriteStartObject();
                    w.WriteNumber("start", s.Start);
                    w.WriteNumber("end", s.End);
                    w.WriteString("label", s.Label);
                    w.WriteNumber("confidence", Math.Round(s.Confidence, 3));
                    w.WriteString("command", s.Command);
                    Number(w, "latencyMs", s.LatencyMs, 1);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
        }
        w.WriteNumber("missed", _missedFrames);
        w.WriteEndObject();
    }

    private void Status(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        var summary = _sessions.List().FirstOrDefault(s => s.Id == _id);
        if (summary is not null)
        {
            w.WritePropertyName("session");
            JsonSerializer.Serialize(w, summary, DashboardJson.Options);
        }
        if (_live?.Monitor is { } m)
        {
            w.WriteBoolean("completed", m.Completed);
            w.WriteNumber("predictions", m.Predictions);
            w.WriteNumber("commands", m.CommandCount);
            w.WriteNumber("gaps", m.GapCount);
            if (m.Quality is { } q && q.Blocks > 0)
            {
                w.WritePropertyName("quality");
                JsonSerializer.Serialize(w, q.Snapshot().Select(ChannelQualityView.Of).ToArray(), DashboardJson.Options);
            }
            w.WriteStartObject("histogram");
            w.WriteNumber("count", m.Latency.Count);
            w.WriteNumber("sumSeconds", m.Latency.Sum);
            w.WriteStartArray("counts");
            foreach (var c in m.Latency.Counts()) w.WriteNumberValue(c);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>The frames a ring gained since <paramref name="cursor"/>: <c>{first, t:[...], v:[[channel 0...], ...]}</c>.</summary>
    private void Frames(Utf8JsonWriter w, string name, DisplayRing ring, ref long cursor, bool channelMajor, int digits)
    {
        var from = cursor;
        var expected = ring.Written - from;
        var n = ring.Read(ref cursor, _frames, _times, out var first);
        if (from > 0 && n < expected) _missedFrames += expected - n; // a first read starts with what the ring still holds: not a miss
        if (n == 0) return;
        var width = ring.Width;
        w.WriteStartObject(name);
        w.WriteNumber("first", first);
        w.WriteStartArray("t");
        for (var i = 0; i < n; i++) w.WriteNumberValue(Math.Round(_times[i], 4));
        w.WriteEndArray();
        w.WriteStartArray("v");
        if (channelMajor)
        {
            for (var c = 0; c < width; c++)
            {
                w.WriteStartArray();
                for (var i = 0; i < n; i++) Value(w, _frames[i * width + c], digits);
                w.WriteEndArray();
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Value(Utf8JsonWriter w, float v, int digits)
    {
        if (float.IsFinite(v)) w.WriteNumberValue(Math.Round((double)v, digits));
        else w.WriteNullValue();
    }

    private static void Number(Utf8JsonWriter w, string name, double v, int digits)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, Math.Round(v, digits));
        else w.WriteNull(name);
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
