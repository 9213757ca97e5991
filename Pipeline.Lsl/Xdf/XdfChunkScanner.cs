using System.Buffers.Binary;

namespace Pipeline.Lsl.Xdf;

/// <summary>
/// Walks the chunk framing of an XDF file without reading sample payloads, recovering from damage:
/// a bad length width, a length below 2, tag 0 or above 255, or a chunk too short for its fixed fields is
/// corruption (skip to the byte after the next Boundary signature); a length beyond the end of the file is not
/// trusted (resume after the next Boundary, or stop as a truncated file when none follows).
/// </summary>
internal sealed class XdfChunkScanner
{
    /// <summary>The 16 bytes of a Boundary chunk's content.</summary>
    public static ReadOnlySpan<byte> BoundarySignature =>
        [0x43, 0xA5, 0x46, 0xDC, 0xCB, 0xF5, 0x41, 0x0F, 0xB3, 0x0E, 0xD5, 0x46, 0x73, 0x83, 0xCB, 0xE4];

    private readonly Stream _stream;
    private readonly long _end;
    private readonly Action<string>? _warn;
    private readonly byte[] _small = new byte[16];
    private long _position;

    /// <param name="stream">A seekable stream positioned anywhere.</param>
    /// <param name="start">The first chunk's offset (4, after the magic).</param>
    /// <param name="end">The file length as of the first pass; bytes after it are ignored.</param>
    /// <param name="warn">Receives one sentence per problem; null to stay silent (the second pass).</param>
    public XdfChunkScanner(Stream stream, long start, long end, Action<string>? warn)
    {
        _stream = stream;
        _position = start;
        _end = end;
        _warn = warn;
    }

    /// <summary>The next well-framed chunk, or false at the end of the usable file.</summary>
    public bool Next(out XdfChunkFrame frame)
    {
        frame = default;
        while (_position < _end)
        {
            var start = _position;
            if (!ReadAt(start, 1)) return Truncated(start);
            int width = _small[0];
            if (width is not (1 or 4 or 8))
            {
                Corrupt(start, $"the chunk at byte {start} has a length width of {width} (must be 1, 4 or 8)");
                continue;
            }
            if (!ReadAt(start + 1, width)) return Truncated(start);
            ulong length = width switch
            {
                1 => _small[0],
                4 => BinaryPrimitives.ReadUInt32LittleEndian(_small),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(_small),
            };
            var tagStart = start + 1 + width;
            if (length < 2)
            {
                Corrupt(start, $"the chunk at byte {start} declares a length of {length}, too short for a tag");
                continue;
            }
            if (length > (ulong)(_end - tagStart))
            {
                // Either the recorder stopped mid-chunk or the length lies; only a later Boundary tells them apart.
                if (!Resync(start + 1, out var resume))
                {
                    _warn?.Invoke($"the file ends inside a chunk at byte {start}; everything before it was read");
                    _position = _end;
                    return false;
                }
                _warn?.Invoke($"the chunk at byte {start} declares {length} bytes, more than the file holds; reading resumed after the boundary at byte {resume}");
                _position = resume;
                continue;
            }
            ReadAt(tagStart, 2);
            var tag = BinaryPrimitives.ReadUInt16LittleEndian(_small);
            var contentStart = tagStart + 2;
            var contentLength = (long)length - 2;
            if (tag is 0 or > 255)
            {
                Corrupt(start, $"the chunk at byte {start} has tag {tag}, which no XDF writer uses");
                continue;
            }
            var minimum = tag switch { 4 => 20, 2 or 3 or 6 => 4, _ => 0 };
            if (contentLength < minimum)
            {
                Corrupt(start, $"the chunk at byte {start} (tag {tag}) holds {contentLength} bytes, fewer than its {minimum} fixed bytes");
                continue;
            }
            uint streamId = 0;
            if (XdfChunkFrame.HasStreamId(tag))
            {
                ReadAt(contentStart, 4);
                streamId = BinaryPrimitives.ReadUInt32LittleEndian(_small);
            }
            _position = contentStart + contentLength;
            frame = new XdfChunkFrame(start, tag, contentStart, contentLength, streamId);
            return true;
        }
        return false;
    }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; false when that runs past the end.</summary>
    public bool ReadAt(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > _end) return false;
        _stream.Seek(offset, SeekOrigin.Begin);
        _stream.ReadExactly(destination);
        return true;
    }

    private bool ReadAt(long offset, int count) => ReadAt(offset, _small.AsSpan(0, count));

    private bool Truncated(long start)
    {
        _warn?.Invoke($"the file ends inside a chunk at byte {start}; everything before it was read");
        _position = _end;
        return false;
    }

    private void Corrupt(long start, string problem)
    {
        if (Resync(start + 1, out var resume))
        {
            _warn?.Invoke($"{problem}; reading resumed after the boundary at byte {resume}");
            _position = resume;
        }
        else
        {
            _warn?.Invoke($"{problem}, and no boundary follows it; the rest of the file was skipped");
            _position = _end;
        }
    }

    /// <summary>Finds the first Boundary signature at or after <paramref name="from"/>; <paramref name="resume"/> is the byte after it.</summary>
    private bool Resync(long from, out long resume)
    {
        const int block = 1 << 16;
        var buffer = new byte[block];
        var signature = BoundarySignature;
        var position = from;
        while (position + signature.Length <= _end)
        {
            var count = (int)Math.Min(block, _end - position);
            _stream.Seek(position, SeekOrigin.Begin);
            _stream.ReadExactly(buffer, 0, count);
            var index = buffer.AsSpan(0, count).IndexOf(signature);
            if (index >= 0)
            {
                resume = position + index + signature.Length;
                return true;
            }
            // Overlap by the signature length minus one so a signature split across blocks is still found.
            position += Math.Max(1, count - (signature.Length - 1));
            if (count < block) break;
        }
        resume = _end;
        return false;
    }
}
