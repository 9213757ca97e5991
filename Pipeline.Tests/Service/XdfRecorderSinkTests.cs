using System.Reactive.Concurrency;
using Pipeline.Core.Signals;
using Pipeline.Host.Service;
using Pipeline.Host.Sessions;
using Pipeline.Lsl.Xdf;
using Pipeline.Sinks.Lsl;
using Pipeline.Sinks.Xdf;
using Pipeline.Sources.Simulation;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Service;

public sealed class XdfRecorderSinkTests
{
    [Fact]
    public void A_session_recording_holds_samples_markers_predictions_commands_and_footers()
    {
        var folder = NewFolder();
        try
        {
            var path = Path.Combine(folder, "s.xdf");
            var sim = new SimulatorSource(new MotorImagerySimulatorOptions { Seed = 5 }, new SimulatorSourceOptions { Fast = true, DurationSeconds = 40 }, NewThreadScheduler.Default);
            var counters = new SessionCounters();
            long frames = 0, markers = 0;
            float firstValue = float.NaN;
            double firstTime = double.NaN;
            var recorder = new XdfRecorderSink(path, sim.Description, new XdfRecorderOptions { Session = "t", FlushInterval = TimeSpan.FromMilliseconds(50) });
            using (var lease = SharedRunnerPool.Acquire(DemoModel, new(), new Pipeline.Core.Inference.BatchingOptions(), null))
            {
                var session = Pipeline.Core.Sessions.DecodingSession.Create(sim.Description,
                    new Pipeline.Core.Sessions.DecodingOptions { Session = "t", BlockWhenFull = true, Decisions = new() { Threshold = 0.55, RefractorySeconds = 0.5 } }, lease.Runner);
                var events = System.Reactive.Linq.Observable.Do(sim, e =>
                {
                    if (e.Chunk is { } c)
                    {
                        if (frames == 0) { firstValue = c.Samples[0]; firstTime = c.FirstTimestamp; }
                        frames += c.Frames;
                    }
                    else if (e.IsMarker) markers++;
                    recorder.OnSourceEvent(e);
                });
                var summary = session.Run(events, CancellationToken.None, recorder, counters);
                Assert.True(summary.Commands > 0);
            }
            recorder.Dispose();
            Assert.Null(recorder.Error);

            var reader = XdfReader.Open(path);
            Assert.Empty(reader.Warnings);
            Assert.Equal(4, reader.Streams.Count);
            Assert.All(reader.Streams, s => Assert.NotNull(s.Footer));
            var raw = reader.FindStream(1)!;
            Assert.Equal(22, raw.Header.ChannelCount);
            Assert.Equal(250, raw.Header.NominalSrate);
            Assert.Equal(frames, raw.SampleCount);
            Assert.Equal(markers, reader.FindStream(2)!.SampleCount);
            Assert.True(markers > 0);
            Assert.Equal(counters.Windows, reader.FindStream(3)!.SampleCount);
            Assert.Equal(counters.Commands, reader.FindStream(4)!.SampleCount);
            Assert.Equal(["left", "right"], reader.FindStream(3)!.Header.Channels.Select(c => c.Label));
            Assert.NotEmpty(raw.ClockOffsets);
            var firstRaw = reader.ReadSamples().First(c => c.StreamId == 1);
            Assert.Equal(firstTime, firstRaw.Timestamps[0], 9);
            Assert.Equal(firstValue, firstRaw.Values![0]);
            var commands = reader.ReadSamples().Where(c => c.StreamId == 4).SelectMany(c => c.Strings!).ToList();
            Assert.All(commands, c => Assert.Contains(c, new[] { "left", "right" }));
            var probabilities = reader.ReadSamples().Where(c => c.StreamId == 3).SelectMany(c => c.Values!).ToList();
            Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Boundaries_and_clock_offsets_follow_their_intervals()
    {
        var folder = NewFolder();
        try
        {
            var path = Path.Combine(folder, "b.xdf");
            var d = new StreamDescription("S", "EEG", ["C3", "C4"], 100);
            var recorder = new XdfRecorderSink(path, d, new XdfRecorderOptions { FlushInterval = TimeSpan.FromMilliseconds(20), ClockOffsetInterval = TimeSpan.FromMilliseconds(100), BoundaryInterval = TimeSpan.FromMilliseconds(200) });
            var chunk = new SignalChunk(d, 10);
            chunk.Reset(d, 10);
            for (var k = 0; k < 50; k++)
            {
                for (var i = 0; i < 10; i++) { chunk.Timestamps[i] = (k * 10 + i) / 100.0; chunk.Data[2 * i] = k; chunk.Data[2 * i + 1] = -k; }
                recorder.OnSourceEvent(SourceEvent.FromChunk(chunk));
                Thread.Sleep(10);
            }
            recorder.Dispose();
            var bytes = File.ReadAllBytes(path);
            var boundaries = CountOccurrences(bytes, XdfChunkScanner.BoundarySignature.ToArray());
            Assert.InRange(boundaries, 1, 5);
            var reader = XdfReader.Open(path);
            Assert.InRange(reader.FindStream(1)!.ClockOffsets.Count, 3, 12);
            Assert.Equal(500, reader.FindStream(1)!.SampleCount);
            var values = reader.ReadSamples().Where(c => c.StreamId == 1).SelectMany(c => c.Values!).ToArray();
            Assert.Equal(49f, values[^2]);
            Assert.Equal(-49f, values[^1]);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Theory]
    [InlineData(ValueFormat.Int32)]
    [InlineData(ValueFormat.Int64)]
    [InlineData(ValueFormat.Double64)]
    public void A_raw_stream_with_exact_values_is_recorded_in_its_own_format_bit_for_bit_and_float_chunks_beside_them_are_rounded_into_it(ValueFormat format)
    {
        var folder = NewFolder();
        try
        {
            var path = Path.Combine(folder, "exact.xdf");
            var d = new StreamDescription("S", "EEG", ["C3", "C4"], 100, format);
            long[] sentInt = [20164001, -16777217, int.MaxValue, (1L << 53) + 1, long.MinValue, 3];
            double[] sentDouble = [0.1, 1e300, -0d, double.Epsilon, BitConverter.Int64BitsToDouble(0x7FF8_0000_1234_5678), 1.0 / 3];
            using (var recorder = new XdfRecorderSink(path, d, new XdfRecorderOptions { RawFormat = format }))
            {
                var chunk = new SignalChunk(d, 3);
                chunk.Reset(d, 3);
                var exact = new ExactSamples(format, 6);
                for (var i = 0; i < 6; i++)
                {
                    if (format == ValueFormat.Int64) exact.Int64Buffer(6)[i] = sentInt[i];
                    else exact.DoubleBuffer(6)[i] = format == ValueFormat.Int32 ? (int)Math.Clamp(sentInt[i], int.MinValue, int.MaxValue) : sentDouble[i];
                }
                exact.SetCount(6);
                exact.CopyTo(chunk.Samples);
                chunk.Exact = exact;
                for (var f = 0; f < 3; f++) chunk.Timestamps[f] = f / 100.0;
                recorder.OnSourceEvent(SourceEvent.FromChunk(chunk));
                // A chunk without exact values (a source that only has floats) is written from its floats.
                var plain = new SignalChunk(d, 1);
                plain.Reset(d, 1);
                plain.Timestamps[0] = 0.03;
                plain.Data[0] = 2.5f;
                plain.Data[1] = -7f;
                recorder.OnSourceEvent(SourceEvent.FromChunk(plain));
            }
            var raw = XdfFile.Load(path, applyClockOffsets: false).FindStream(1)!;
            Assert.Equal(StreamDescriptionInfo.ChannelFormatOf(format), raw.Stream.Header.ChannelFormat);
            Assert.Equal(4, raw.Count);
            for (var i = 0; i < 6; i++)
            {
                switch (format)
                {
                    case ValueFormat.Int64: Assert.Equal(sentInt[i], raw.Int64Values![i]); break;
                    case ValueFormat.Int32: Assert.Equal((int)Math.Clamp(sentInt[i], int.MinValue, int.MaxValue), raw.Values64![i]); break;
                    default: Assert.Equal(BitConverter.DoubleToInt64Bits(sentDouble[i]), BitConverter.DoubleToInt64Bits(raw.Values64![i])); break;
                }
            }
            double[] last = format == ValueFormat.Int64 ? [raw.Int64Values![6], raw.Int64Values[7]] : [raw.Values64![6], raw.Values64[7]];
            Assert.Equal(format == ValueFormat.Double64 ? 2.5 : 2, last[0]); // ties to even, as XdfWriter rounds
            Assert.Equal(-7, last[1]);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    private static int CountOccurrences(byte[] haystack, byte[] needle)
    {
        var n = 0;
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) n++;
        return n;
    }
}
