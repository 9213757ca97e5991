using System.Reactive.Linq;
using Pipeline.Core.Signals;

namespace Pipeline.Core.Operators;

/// <summary>Operators that pick and reorder channels.</summary>
public static class ChannelSelection
{
    /// <summary>
    /// Keeps the channels named in <paramref name="labels"/>, in that order (matched with
    /// <see cref="ChannelLabels.Resolve"/>). The output chunk is reused; its description carries the wanted
    /// labels as the stream spells them. A missing or ambiguous channel ends the stream with a
    /// <see cref="PipelineException"/>.
    /// </summary>
    public static IObservable<SignalChunk> SelectChannels(this IObservable<SignalChunk> source, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0) throw new PipelineException("The channel selection is empty; name at least one channel.");
        var wanted = labels.ToArray();
        return Observable.Create<SignalChunk>(observer =>
        {
            StreamDescription? inDescription = null;
            StreamDescription? outDescription = null;
            int[] indices = [];
            SignalChunk? output = null;
            return source.Subscribe(chunk =>
            {
                try
                {
                    if (!ReferenceEquals(chunk.Description, inDescription))
                    {
                        // Rare path: a new description (first chunk or a source restart) rebuilds the mapping.
                        if (inDescription is null || !SameChannels(inDescription, chunk.Description))
                        {
                            indices = ChannelLabels.Resolve(chunk.Description.ChannelLabels, wanted);
                            var d = chunk.Description;
                            outDescription = d.WithChannels(
                                indices.Select(i => d.ChannelLabels[i]).ToArray(),
                                indices.Select(i => d.ChannelUnits[i]).ToArray());
                        }
                        inDescription = chunk.Description;
                    }

                    int inC = chunk.Channels, outC = indices.Length, frames = chunk.Frames;
                    output ??= new SignalChunk(outDescription!, Math.Max(1, frames));
                    output.Reset(outDescription!, frames);
                    var src = chunk.Samples;
                    var dst = output.Samples;
                    for (int f = 0; f < frames; f++)
                    {
                        int si = f * inC, di = f * outC;
                        for (int k = 0; k < outC; k++) dst[di + k] = src[si + indices[k]];
                    }
                    chunk.TimestampSpan.CopyTo(output.TimestampSpan);
                    output.ArrivalTicks = chunk.ArrivalTicks;
                }
                catch (Exception e)
                {
                    observer.OnError(e);
                    return;
                }
                observer.OnNext(output);
            }, observer.OnError, observer.OnCompleted);
        });
    }

    private static bool SameChannels(StreamDescription a, StreamDescription b) =>
        a.Name == b.Name && a.NominalRate.Equals(b.NominalRate) && a.ChannelLabels.SequenceEqual(b.ChannelLabels)
        && a.ChannelUnits.SequenceEqual(b.ChannelUnits) && a.Type == b.Type && a.SourceId == b.SourceId && a.Format == b.Format;
}
