using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Pipeline.Lsl.Xdf;

/// <summary>
/// Writes XDF 1.0 the way LabRecorder does: <c>XDF:</c>, a FileHeader, then StreamHeader, Samples, ClockOffset,
/// Boundary and StreamFooter chunks as the caller sends them. Each chunk is written whole under one lock (so
/// several threads may write) and flushed at once, so a crash leaves a file readers can recover up to the last
/// complete chunk. Not a per-sample path: callers hand over a block of samples per call.
/// </summary>
public sealed class XdfWriter : IDisposable
{
    /// <summary>The FileHeader XML every writer emits.</summary>
    public const string FileHeaderXml = "<?xml version=\"1.0\"?><info><version>1.0</version></info>";

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, StreamState> _streams = [];
    private readonly MemoryStream _content = new();
    private readonly byte[] _scratch = new byte[9];
    private bool _disposed;

    /// <summary>Creates (or overwrites) an XDF file and writes its magic and FileHeader.</summary>
    public XdfWriter(string path)
        // Unbuffered: every chunk is written and flushed whole anyway, and a write that fails (a full disk) leaves no
        // buffered remainder behind, so the file can be cut back to its last whole chunk (see WriteChunk).
        : this(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0), leaveOpen: false)
    {
    }

    /// <summary>Writes XDF to a stream (magic and FileHeader at once); the stream is closed on dispose unless <paramref name="leaveOpen"/>.</summary>
    public XdfWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        lock (_lock)
        {
            _stream.Write("XDF:"u8);
            _content.Write(Encoding.UTF8.GetBytes(FileHeaderXml));
            WriteChunk(XdfChunkTag.FileHeader);
        }
    }

    /// <summary>Writes a StreamHeader with <paramref name="info"/>'s XML; each id gets one header, before its samples.</summary>
    public void WriteStreamHeader(uint id, StreamInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_streams.ContainsKey(id))
                throw new ArgumentException($"Stream {id} already has a header in this XDF file; give each stream its own id.", nameof(id));
            if (info.ChannelCount <= 0 || info.ChannelFormat == ChannelFormat.Undefined)
                throw new ArgumentException($"Stream {id} ('{info.Name}') needs at least one channel and a channel format to be recorded; set ChannelCount and ChannelFormat.", nameof(info));
            _streams[id] = new StreamState(info.Clone());
            WriteId(id);
            _content.Write(Encoding.UTF8.GetBytes(info.ToXml()));
            WriteChunk(XdfChunkTag.StreamHeader);
        }
    }

    /// <summary>
    /// Writes one Samples chunk of a numeric stream, encoding to its declared format (integers: rounded to nearest,
    /// ties to even, saturated; NaN becomes 0). <paramref name="values"/> is frame-major, timestamps.Length x channels.
    /// A float32 stream gets the values' bits unchanged (NaN payloads included).
    /// </summary>
    public void WriteSamples(uint id, ReadOnlySpan<double> timestamps, ReadOnlySpan<float> values)
    {
        lock (_lock)
        {
            var state = Numeric(id, timestamps.Length, values.Length);
            if (timestamps.Length == 0) return;
            BeginSamples(id, timestamps.Length);
            var format = state.Info.ChannelFormat;
            for (var i = 0; i < timestamps.Length; i++)
            {
                WriteTimestamp(state, timestamps[i]);
                var frame = values.Slice(i * state.Channels, state.Channels);
                if (format == ChannelFormat.Float32) WriteExact(frame);
                else foreach (var v in frame) WriteValue(format, v);
            }
            WriteChunk(XdfChunkTag.Samples);
        }
    }

    /// <summary>The same as the float overload, for values that need double precision; a double64 stream gets their bits unchanged.</summary>
    public void WriteSamples(uint id, ReadOnlySpan<double> timestamps, ReadOnlySpan<double> values)
    {
        lock (_lock)
        {
            var state = Numeric(id, timestamps.Length, values.Length);
            if (timestamps.Length == 0) return;
            BeginSamples(id, timestamps.Length);
            var format = state.Info.ChannelFormat;
            for (var i = 0; i < timestamps.Length; i++)
            {
                WriteTimestamp(state, timestamps[i]);
                var frame = values.Slice(i * state.Channels, state.Channels);
                if (format == ChannelFormat.Double64) WriteExact(frame);
                else foreach (var v in frame) WriteValue(format, v);
            }
            WriteChunk(XdfChunkTag.Samples);
        }
    }

    /// <summary>
    /// Writes one Samples chunk from 64-bit integers: exact for int64 streams and for the smaller integer formats
    /// within their range (saturated outside it); converted to the nearest value for float32 and double64 streams.
    /// </summary>
    public void WriteSamples(uint id, ReadOnlySpan<double> timestamps, ReadOnlySpan<long> values) => WriteIntegers(id, timestamps, values, v => v);

    /// <summary>Writes one Samples chunk from 32-bit integers (exact for int32 and int64 streams); see the long overload.</summary>
    public void WriteSamples(uint id, ReadOnlySpan<double> timestamps, ReadOnlySpan<int> values) => WriteIntegers(id, timestamps, values, v => v);

    /// <summary>Writes one Samples chunk from 16-bit integers (exact for int16, int32 and int64 streams); see the long overload.</summary>
    public void WriteSamples(uint id, ReadOnlySpan<double> timestamps, ReadOnlySpan<short> values) => WriteIntegers(id, timestamps, values, v => v);

    /// <summary>Writes one Samples chunk from 8-bit integers (exact for every integer format); see the long overload.</summary>
    public void WriteSamples(uint id, ReadOnlySpan<double> timestamps, ReadOnlySpan<sbyte> values) => WriteIntegers(id, timestamps, values, v => v);

    private void WriteIntegers<T>(uint id, ReadOnlySpan<double> timestamps, ReadOnlySpan<T> values, Func<T, long> widen)
    {
        lock (_lock)
        {
            var state = Numeric(id, timestamps.Length, values.Length);
            if (timestamps.Length == 0) return;
            BeginSamples(id, timestamps.Length);
            var format = state.Info.ChannelFormat;
            for (var i = 0; i < timestamps.Length; i++)
            {
                WriteTimestamp(state, timestamps[i]);
                foreach (var v in values.Slice(i * state.Channels, state.Channels)) WriteInteger(format, widen(v));
            }
            WriteChunk(XdfChunkTag.Samples);
        }
    }

    /// <summary>Writes one Samples chunk of a string stream; <paramref name="values"/> is frame-major (null is written as empty).</summary>
    public void WriteStringSamples(uint id, ReadOnlySpan<double> timestamps, IReadOnlyList<string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        lock (_lock)
        {
            var state = Known(id);
            if (state.Info.ChannelFormat != ChannelFormat.String)
                throw new ArgumentException($"Stream {id} is {state.Info.ChannelFormat.ToXmlName()}, not string; use WriteSamples for numeric streams.", nameof(id));
            CheckShape(id, state, timestamps.Length, values.Count);
            if (timestamps.Length == 0) return;
            BeginSamples(id, timestamps.Length);
            for (var i = 0; i < timestamps.Length; i++)
            {
                WriteTimestamp(state, timestamps[i]);
                for (var c = 0; c < state.Channels; c++)
                {
                    var bytes = Encoding.UTF8.GetBytes(values[i * state.Channels + c] ?? "");
                    WriteVarLen((ulong)bytes.Length);
                    _content.Write(bytes);
                }
            }
            WriteChunk(XdfChunkTag.Samples);
        }
    }

    /// <summary>Writes a ClockOffset chunk: measured at <paramref name="collectionTime"/> (producer clock), add <paramref name="offset"/> to get recorder time.</summary>
    public void WriteClockOffset(uint id, double collectionTime, double offset)
    {
        lock (_lock)
        {
            var state = Known(id);
            state.Offsets.Add(new XdfClockOffset(collectionTime, offset));
            WriteId(id);
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteDoubleLittleEndian(bytes, collectionTime);
            BinaryPrimitives.WriteDoubleLittleEndian(bytes[8..], offset);
            _content.Write(bytes);
            WriteChunk(XdfChunkTag.ClockOffset);
        }
    }

    /// <summary>Writes a Boundary chunk (readers resynchronise on it after damage; LabRecorder writes one every ~10 s).</summary>
    public void WriteBoundary()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _content.Write(XdfChunkScanner.BoundarySignature);
            WriteChunk(XdfChunkTag.Boundary);
        }
    }

    /// <summary>Writes a StreamFooter from what this writer recorded for the stream (first/last timestamp, count, offsets).</summary>
    public void WriteStreamFooter(uint id)
    {
        lock (_lock)
        {
            var s = Known(id);
            WriteStreamFooter(id, s.Count > 0 ? s.First : 0, s.Count > 0 ? s.Last : 0, s.Count, s.Offsets);
        }
    }

    /// <summary>Writes a StreamFooter with the given summary, in LabRecorder's layout.</summary>
    public void WriteStreamFooter(uint id, double firstTimestamp, double lastTimestamp, long sampleCount, IReadOnlyList<XdfClockOffset> offsets)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        lock (_lock)
        {
            Known(id);
            var xml = new StringBuilder("<?xml version=\"1.0\"?><info><writer>Pipeline.Lsl XdfWriter</writer>");
            xml.Append("<first_timestamp>").Append(StreamInfo.Number(firstTimestamp)).Append("</first_timestamp>");
            xml.Append("<last_timestamp>").Append(StreamInfo.Number(lastTimestamp)).Append("</last_timestamp>");
            xml.Append("<sample_count>").Append(sampleCount.ToString(CultureInfo.InvariantCulture)).Append("</sample_count>");
            xml.Append("<clock_offsets>");
            foreach (var o in offsets)
                xml.Append("<offset><time>").Append(StreamInfo.Number(o.CollectionTime)).Append("</time><value>")
                    .Append(StreamInfo.Number(o.Value)).Append("</value></offset>");
            xml.Append("</clock_offsets></info>");
            WriteId(id);
            _content.Write(Encoding.UTF8.GetBytes(xml.ToString()));
            WriteChunk(XdfChunkTag.StreamFooter);
        }
    }

    /// <summary>Flushes and closes the output (unless it was opened with leaveOpen). Footers are the caller's to write.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _stream.Flush();
            if (!_leaveOpen) _stream.Dispose();
        }
    }

    private StreamState Known(uint id)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _streams.TryGetValue(id, out var state)
            ? state
            : throw new ArgumentException($"Stream {id} has no header in this XDF file; call WriteStreamHeader first.", nameof(id));
    }

    private StreamState Numeric(uint id, int frames, int values)
    {
        var state = Known(id);
        if (state.Info.ChannelFormat == ChannelFormat.String)
            throw new ArgumentException($"Stream {id} is a string stream; use WriteStringSamples.", nameof(id));
        CheckShape(id, state, frames, values);
        return state;
    }

    private static void CheckShape(uint id, StreamState state, int frames, int values)
    {
        if ((long)frames * state.Channels != values)
            throw new ArgumentException($"Stream {id} has {state.Channels} channels, so {frames} timestamps need {(long)frames * state.Channels} values, not {values}.", nameof(values));
    }

    private void BeginSamples(uint id, int count)
    {
        WriteId(id);
        // LabRecorder always writes the sample count with width 4; readers accept any width.
        _content.WriteByte(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_scratch, (uint)count);
        _content.Write(_scratch, 0, 4);
    }

    private void WriteTimestamp(StreamState state, double timestamp)
    {
        var srate = state.Info.NominalSrate;
        // Omit only an exact continuation, computed exactly as the reader reconstructs it.
        if (srate > 0 && timestamp == state.Previous + 1.0 / srate)
        {
            _content.WriteByte(0);
        }
        else
        {
            _content.WriteByte(8);
            BinaryPrimitives.WriteDoubleLittleEndian(_scratch, timestamp);
            _content.Write(_scratch, 0, 8);
        }
        state.Previous = timestamp;
        if (state.Count == 0) state.First = timestamp;
        state.Last = timestamp;
        state.Count++;
    }

    private void WriteValue(ChannelFormat format, double value)
    {
        var b = _scratch;
        switch (format)
        {
            case ChannelFormat.Float32: BinaryPrimitives.WriteSingleLittleEndian(b, (float)value); _content.Write(b, 0, 4); break;
            case ChannelFormat.Double64: BinaryPrimitives.WriteDoubleLittleEndian(b, value); _content.Write(b, 0, 8); break;
            case ChannelFormat.Int8: _content.WriteByte((byte)(sbyte)Saturate(value, sbyte.MinValue, sbyte.MaxValue)); break;
            case ChannelFormat.Int16: BinaryPrimitives.WriteInt16LittleEndian(b, (short)Saturate(value, short.MinValue, short.MaxValue)); _content.Write(b, 0, 2); break;
            case ChannelFormat.Int32: BinaryPrimitives.WriteInt32LittleEndian(b, (int)Saturate(value, int.MinValue, int.MaxValue)); _content.Write(b, 0, 4); break;
            case ChannelFormat.Int64: BinaryPrimitives.WriteInt64LittleEndian(b, Saturate(value, long.MinValue, long.MaxValue)); _content.Write(b, 0, 8); break;
        }
    }

    private void WriteExact(ReadOnlySpan<float> frame)
    {
        foreach (var v in frame) { BinaryPrimitives.WriteSingleLittleEndian(_scratch, v); _content.Write(_scratch, 0, 4); }
    }

    private void WriteExact(ReadOnlySpan<double> frame)
    {
        foreach (var v in frame) { BinaryPrimitives.WriteDoubleLittleEndian(_scratch, v); _content.Write(_scratch, 0, 8); }
    }

    private void WriteInteger(ChannelFormat format, long value)
    {
        var b = _scratch;
        switch (format)
        {
            case ChannelFormat.Float32: BinaryPrimitives.WriteSingleLittleEndian(b, value); _content.Write(b, 0, 4); break;
            case ChannelFormat.Double64: BinaryPrimitives.WriteDoubleLittleEndian(b, value); _content.Write(b, 0, 8); break;
            case ChannelFormat.Int8: _content.WriteByte((byte)(sbyte)Math.Clamp(value, sbyte.MinValue, sbyte.MaxValue)); break;
            case ChannelFormat.Int16: BinaryPrimitives.WriteInt16LittleEndian(b, (short)Math.Clamp(value, short.MinValue, short.MaxValue)); _content.Write(b, 0, 2); break;
            case ChannelFormat.Int32: BinaryPrimitives.WriteInt32LittleEndian(b, (int)Math.Clamp(value, int.MinValue, int.MaxValue)); _content.Write(b, 0, 4); break;
            case ChannelFormat.Int64: BinaryPrimitives.WriteInt64LittleEndian(b, value); _content.Write(b, 0, 8); break;
        }
    }

    private static long Saturate(double value, long min, long max)
    {
        if (double.IsNaN(value)) return 0;
        var rounded = Math.Round(value, MidpointRounding.ToEven);
        if (rounded <= min) return min;
        // (double)long.MaxValue rounds up to 2^63, so compare with >= to saturate there too.
        if (rounded >= max) return max;
        return (long)rounded;
    }

    private void WriteId(uint id)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_scratch, id);
        _content.Write(_scratch, 0, 4);
    }

    private void WriteVarLen(ulong value) => WriteVarLen(_content, value, _scratch);

    private static void WriteVarLen(Stream target, ulong value, byte[] scratch)
    {
        if (value <= byte.MaxValue)
        {
            scratch[0] = 1;
            scratch[1] = (byte)value;
            target.Write(scratch, 0, 2);
        }
        else if (value <= uint.MaxValue)
        {
            scratch[0] = 4;
            BinaryPrimitives.WriteUInt32LittleEndian(scratch.AsSpan(1), (uint)value);
            target.Write(scratch, 0, 5);
        }
        else
        {
            scratch[0] = 8;
            BinaryPrimitives.WriteUInt64LittleEndian(scratch.AsSpan(1), value);
            target.Write(scratch, 0, 9);
        }
    }

    /// <summary>Frames the gathered content as one chunk, writes it in one piece and flushes.</summary>
    private void WriteChunk(XdfChunkTag tag)
    {
        var header = new byte[11];
        using var headerStream = new MemoryStream(header);
        WriteVarLen(headerStream, (ulong)_content.Length + 2, _scratch);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan((int)headerStream.Position), (ushort)tag);
        var headerLength = (int)headerStream.Position + 2;
        var start = _stream.CanSeek ? _stream.Position : -1;
        try
        {
            _stream.Write(header, 0, headerLength);
            _stream.Write(_content.GetBuffer(), 0, (int)_content.Length);
            _stream.Flush();
        }
        catch (IOException) when (start >= 0)
        {
            // A chunk written in part (a full disk) would make the reader stop there with a damage warning: cut the
            // file back to the last whole chunk, so it reads cleanly up to the failure.
            try { _stream.SetLength(start); }
            catch (IOException) { }
            throw;
        }
        finally
        {
            _content.SetLength(0);
        }
    }

    private sealed class StreamState(StreamInfo info)
    {
        public StreamInfo Info { get; } = info;
        public int Channels => Info.ChannelCount;
        public double Previous { get; set; }
        public double First { get; set; }
        public double Last { get; set; }
        public long Count { get; set; }
        public List<XdfClockOffset> Offsets { get; } = [];
    }
}
