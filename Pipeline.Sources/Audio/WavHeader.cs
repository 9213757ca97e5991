using System.Buffers.Binary;
using System.Globalization;
using Pipeline.Core.Signals;

namespace Pipeline.Sources.Audio;

/// <summary>
/// What a WAV file's header says (format, rate, channels, length), read and checked without decoding the samples:
/// a header is trusted only as far as the file backs it, so a lying rate, channel count or chunk length is refused
/// in one sentence before any buffer is sized from it.
/// </summary>
public sealed record WavHeader
{
    /// <summary>Audio slower than this (Hz) is not audio: resampled to 16 kHz, a 1 Hz file would grow 16,000-fold.</summary>
    public const int MinSampleRate = 4000;
    /// <summary>The fastest standard WAV rate (Hz); anything above is a damaged header.</summary>
    public const int MaxSampleRate = 768_000;
    /// <summary>The most channels accepted (7th-order ambisonics has 64); each costs a mix-down buffer column.</summary>
    public const int MaxChannels = 256;

    // A fmt chunk is 16, 18 or 40 bytes; far larger is damage (and would be allocated whole by a naive reader).
    private const int MaxFormatChunkBytes = 1024;
    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;

    /// <summary>The file that was read.</summary>
    public required string Path { get; init; }
    /// <summary>Samples per second per channel.</summary>
    public required int SampleRate { get; init; }
    /// <summary>Interleaved channels.</summary>
    public required int Channels { get; init; }
    /// <summary>Bits per stored sample (8, 16, 24, 32; 32 or 64 for float).</summary>
    public required int BitsPerSample { get; init; }
    /// <summary>True for IEEE float samples, false for integer PCM.</summary>
    public required bool IsFloat { get; init; }
    /// <summary>Whole frames (one sample of every channel) the file holds.</summary>
    public required long Frames { get; init; }
    /// <summary>Frames the data chunk declares (equal to <see cref="Frames"/> unless the file is truncated).</summary>
    public required long DeclaredFrames { get; init; }
    /// <summary>Duration of the frames the file holds, in seconds.</summary>
    public double Seconds => Frames / (double)SampleRate;
    /// <summary>True when the data chunk declares more bytes than the file holds (a recording cut short).</summary>
    public bool IsTruncated => DeclaredFrames > Frames;
    /// <summary>The sample encoding in words, e.g. <c>16-bit PCM</c> or <c>32-bit float</c>.</summary>
    public string Encoding => IsFloat ? $"{BitsPerSample}-bit float" : $"{BitsPerSample}-bit PCM";

    /// <summary>True when <paramref name="head"/> (the first 12 bytes of a file) starts a RIFF/WAVE file.</summary>
    public static bool IsWav(ReadOnlySpan<byte> head) =>
        head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8);

    /// <summary>True when the file at <paramref name="path"/> starts like a WAV file (false when it cannot be read).</summary>
    public static bool IsWavFile(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            Span<byte> head = stackalloc byte[12];
            return f.ReadAtLeast(head, 12, throwOnEndOfStream: false) == 12 && IsWav(head);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Reads and checks the header of the WAV file at <paramref name="path"/>.</summary>
    /// <exception cref="PipelineException">The file is missing, unreadable, not a WAV file, or its header is damaged or unsupported.</exception>
    public static WavHeader Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new PipelineException($"WAV file '{path}' does not exist; check the path.");
        try
        {
            using var file = File.OpenRead(path);
            return Read(file, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PipelineException($"WAV file '{path}' cannot be read ({e.Message.TrimEnd('.')}); check its permissions.", e);
        }
    }

    private static WavHeader Read(Stream file, string path)
    {
        var length = file.Length;
        Span<byte> head = stackalloc byte[12];
        if (file.ReadAtLeast(head, 12, throwOnEndOfStream: false) < 12 || !IsWav(head))
            throw Damaged(path, "it does not start with a RIFF/WAVE header");
        Span<byte> chunk = stackalloc byte[8];
        byte[]? format = null;
        long dataStart = -1, dataDeclared = 0;
        // Walk the chunks; every step advances at least 8 bytes, so a file of n bytes takes at most n / 8 steps.
        for (var position = 12L; position + 8 <= length;)
        {
            file.Position = position;
            file.ReadExactly(chunk);
            var size = (long)BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            var body = position + 8;
            if (chunk[..4].SequenceEqual("fmt "u8))
            {
                if (size < 16 || size > MaxFormatChunkBytes || body + size > length)
                    throw Damaged(path, $"its format chunk declares {size} bytes (a format chunk has 16 to 40)");
                format = new byte[size];
                file.ReadExactly(format);
            }
            else if (chunk[..4].SequenceEqual("data"u8))
            {
                dataStart = body;
                // Writers that stream (and crashed ones) leave 0 or 0xFFFFFFFF: the data then runs to the end of the file.
                dataDeclared = size is 0 or uint.MaxValue ? length - body : size;
                break;
            }
            position = body + size + (size & 1);
        }
        if (format is null) throw Damaged(path, "it has no format ('fmt ') chunk before its data");
        if (dataStart < 0) throw Damaged(path, "it has no data chunk");

        var tag = BinaryPrimitives.ReadUInt16LittleEndian(format);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(format.AsSpan(2));
        var rate = BinaryPrimitives.ReadUInt32LittleEndian(format.AsSpan(4));
        var blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(format.AsSpan(12));
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(format.AsSpan(14));
        if (tag == FormatExtensible)
        {
            // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID at byte 24.
            if (format.Length < 40) throw Damaged(path, "its extensible format chunk is shorter than 40 bytes");
            tag = BinaryPrimitives.ReadUInt16LittleEndian(format.AsSpan(24));
        }
        if (tag is not (FormatPcm or FormatFloat))
            throw new PipelineException($"WAV file '{path}' stores its samples with format code {tag.ToString(CultureInfo.InvariantCulture)}, which cannot be read (only integer PCM and IEEE float); re-export it as 16-bit PCM WAV.");
        var isFloat = tag == FormatFloat;
        if (channels is 0 or > MaxChannels)
            throw Damaged(path, $"it declares {channels} channels (a WAV file has 1 to {MaxChannels})");
        if (rate is < MinSampleRate or > MaxSampleRate)
            throw new PipelineException($"WAV file '{path}' declares a rate of {rate.ToString(CultureInfo.InvariantCulture)} Hz, which is not audio (WAV audio runs at {MinSampleRate} to {MaxSampleRate} Hz); the header is damaged or the file holds other data, so re-export it as 16 kHz 16-bit PCM WAV.");
        if (isFloat ? bits is not (32 or 64) : bits is not (8 or 16 or 24 or 32))
            throw new PipelineException($"WAV file '{path}' stores {bits.ToString(CultureInfo.InvariantCulture)}-bit {(isFloat ? "float" : "PCM")} samples, which cannot be read (PCM 8/16/24/32-bit or float 32/64-bit); re-export it as 16-bit PCM WAV.");
        if (blockAlign != channels * (bits / 8))
            throw Damaged(path, $"its block size of {blockAlign} bytes does not match {channels} channel(s) of {bits} bits");

        var available = length - dataStart;
        return new WavHeader
        {
            Path = path,
            SampleRate = (int)rate,
            Channels = channels,
            BitsPerSample = bits,
            IsFloat = isFloat,
            Frames = Math.Min(dataDeclared, available) / blockAlign,
            DeclaredFrames = dataDeclared / blockAlign,
        };
    }

    private static PipelineException Damaged(string path, string problem) =>
        new($"WAV file '{path}' is damaged or not a PCM/float WAV file: {problem}; re-export it as 16-bit PCM WAV.");
}
