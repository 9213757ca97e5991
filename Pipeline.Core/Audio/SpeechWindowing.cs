using System.Diagnostics;
using System.Reactive.Linq;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Audio;

/// <summary>
/// The speech path's windowing: 16 kHz mono chunks → Silero VAD in 32 ms frames → speech segments
/// (<see cref="SpeechSegmenter"/>) → when a segment closes, the last second of audio as one <see cref="Window"/>
/// (1 x <see cref="SpeechWindowOptions.WindowSamples"/>, zeros before the first sample) whose
/// <see cref="Window.SegmentStart"/>/<see cref="Window.SegmentEnd"/> give the segment. Gating on the VAD runs the
/// expensive model once per utterance instead of once per hop. A segment still open at the end of the input is closed
/// there. Nothing is allocated per sample; the window is reused (see <see cref="Snapshots"/>).
/// </summary>
public static class SpeechWindowing
{
    /// <summary>Windows of the speech segments <paramref name="vad"/> finds.</summary>
    /// <exception cref="PipelineException">(as OnError) The audio is not 16 kHz mono.</exception>
    public static IObservable<Window> SpeechWindows(this IObservable<SignalChunk> source, SileroVad vad, SpeechWindowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(vad);
        options ??= new SpeechWindowOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.WindowSamples);
        _ = new SpeechSegmenter(options.Vad); // checks the VAD settings now, not at the first chunk
        return Observable.Create<Window>(observer =>
        {
            var segmenter = new SpeechSegmenter(options.Vad);
            vad.Reset();
            var n = options.WindowSamples;
            var ring = new float[n];
            var frame = new float[SileroVad.FrameSamples];
            var frameFill = 0;
            long written = 0, index = 0;
            var last = double.NaN;
            Window? window = null;

            void Emit(SpeechSegment segment, StreamDescription description, long arrivalTicks)
            {
                window ??= new Window(description, n, options.Session);
                // The window is the last second of audio: the word plus what the VAD needed to hear to close it.
                var data = window.Data;
                var available = (int)Math.Min(written, n);
                Array.Clear(data, 0, n - available);
                for (var i = 0; i < available; i++) data[n - available + i] = ring[(int)((written - available + i) % n)];
                window.StartTime = last - (n - 1) / (double)SpeechAudio.Rate;
                window.EndTime = last;
                window.NewestArrivalTicks = arrivalTicks;
                window.Index = index;
                window.StartsSegment = index == 0;
                window.SegmentStart = segment.Start;
                window.SegmentEnd = segment.End;
                index++;
                observer.OnNext(window);
            }

            StreamDescription? seen = null;
            return source.Subscribe(chunk =>
            {
                if (!ReferenceEquals(chunk.Description, seen))
                {
                    if (chunk.Channels != 1 || Math.Abs(chunk.Description.NominalRate - SpeechAudio.Rate) > 1e-6)
                    {
                        observer.OnError(new PipelineException($"Stream '{chunk.Description.Name}' is {chunk.Channels} channel(s) at {chunk.Description.NominalRate} Hz; the speech path needs 16 kHz mono (resample the source)."));
                        return;
                    }
                    seen = chunk.Description;
                }
                var samples = chunk.Samples;
                var stamps = chunk.TimestampSpan;
                for (var i = 0; i < samples.Length; i++)
                {
                    ring[(int)(written % n)] = samples[i];
                    written++;
                    last = stamps[i];
                    frame[frameFill++] = samples[i];
                    if (frameFill < frame.Length) continue;
                    frameFill = 0;
                    var end = last + 1.0 / SpeechAudio.Rate;
                    float p;
                    try { p = vad.Process(frame); }
                    catch (Exception e) { observer.OnError(e); return; }
                    options.FrameProbability?.Invoke(p, end);
                    if (segmenter.Push(p, end - SileroVad.FrameSamples / (double)SpeechAudio.Rate, end) is { } segment)
                        Emit(segment, chunk.Description, chunk.ArrivalTicks);
                }
            }, observer.OnError, () =>
            {
                if (!double.IsNaN(last) && seen is not null && segmenter.Flush(last) is { } segment) Emit(segment, seen, Stopwatch.GetTimestamp());
                observer.OnCompleted();
            });
        });
    }
}
