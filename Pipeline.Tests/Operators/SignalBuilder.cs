using Pipeline.Core.Signals;

namespace Pipeline.Tests.Operators;

/// <summary>Builds test signals and cuts them into chunks.</summary>
internal static class SignalBuilder
{
    public static StreamDescription Description(int channels, double rate, string name = "test") =>
        new(name, "EEG", Enumerable.Range(0, channels).Select(i => $"Ch{i}").ToArray(), rate);

    /// <summary>Regular timestamps from <paramref name="t0"/>.</summary>
    public static double[] Times(int frames, double rate, double t0 = 1000.0) =>
        Enumerable.Range(0, frames).Select(i => t0 + i / rate).ToArray();

    /// <summary>Frame-major sines, channel c at frequency freqs[c % freqs.Length].</summary>
    public static float[] Sines(int frames, double rate, double amplitude, params double[] freqs)
    {
        var data = new float[frames * freqs.Length];
        for (int f = 0; f < frames; f++)
            for (int c = 0; c < freqs.Length; c++)
                data[f * freqs.Length + c] = (float)(amplitude * Math.Sin(2 * Math.PI * freqs[c] * f / rate));
        return data;
    }

    /// <summary>Cuts frames into chunks of the given sizes (cycled), each chunk owning fresh arrays.</summary>
    public static List<SignalChunk> Chunk(StreamDescription d, float[] data, double[] times, IReadOnlyList<int> sizes)
    {
        int c = d.ChannelCount, frames = times.Length, at = 0, k = 0;
        var chunks = new List<SignalChunk>();
        while (at < frames)
        {
            int n = Math.Min(Math.Max(1, sizes[k++ % sizes.Count]), frames - at);
            var chunk = new SignalChunk(d, data[(at * c)..((at + n) * c)], times[at..(at + n)], n, arrivalTicks: at + n);
            chunks.Add(chunk);
            at += n;
        }
        return chunks;
    }

    /// <summary>Runs chunks through an operator and collects cloned outputs.</summary>
    public static List<SignalChunk> Run(IEnumerable<SignalChunk> chunks, Func<IObservable<SignalChunk>, IObservable<SignalChunk>> op)
    {
        var subject = new System.Reactive.Subjects.Subject<SignalChunk>();
        var output = new List<SignalChunk>();
        Exception? error = null;
        using var sub = op(subject).Subscribe(x => output.Add(x.Clone()), e => error = e);
        foreach (var ch in chunks) subject.OnNext(ch);
        subject.OnCompleted();
        if (error is not null) throw error;
        return output;
    }

    /// <summary>Concatenates chunks: (frame-major data, timestamps).</summary>
    public static (float[] Data, double[] Times) Concat(IReadOnlyList<SignalChunk> chunks)
    {
        var data = new List<float>();
        var times = new List<double>();
        foreach (var ch in chunks) { data.AddRange(ch.Samples.ToArray()); times.AddRange(ch.TimestampSpan.ToArray()); }
        return (data.ToArray(), times.ToArray());
    }

    /// <summary>Amplitude of a sinusoid at <paramref name="freq"/> in one channel by least squares over sample times.</summary>
    public static (double Amplitude, double Residual) FitSine(float[] data, int channels, int channel, double[] times, double freq, int from)
    {
        double cc = 0, ss = 0, cs = 0, yc = 0, ys = 0;
        int n = times.Length;
        for (int i = from; i < n; i++)
        {
            double w = 2 * Math.PI * freq * times[i];
            double co = Math.Cos(w), si = Math.Sin(w), y = data[i * channels + channel];
            cc += co * co; ss += si * si; cs += co * si; yc += y * co; ys += y * si;
        }
        double det = cc * ss - cs * cs;
        double a = (yc * ss - ys * cs) / det, b = (ys * cc - yc * cs) / det;
        double res = 0, energy = 0;
        for (int i = from; i < n; i++)
        {
            double w = 2 * Math.PI * freq * times[i];
            double y = data[i * channels + channel];
            double e = y - a * Math.Cos(w) - b * Math.Sin(w);
            res += e * e; energy += y * y;
        }
        return (Math.Sqrt(a * a + b * b), Math.Sqrt(res / Math.Max(energy, 1e-300)));
    }

    public static double Db(double ratio) => 20 * Math.Log10(ratio);
}
