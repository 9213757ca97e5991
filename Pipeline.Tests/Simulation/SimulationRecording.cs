using System.Numerics;
using MathNet.Numerics.IntegralTransforms;
using Pipeline.Core.Signals;
using Pipeline.Sources.Simulation;

namespace Pipeline.Tests.Simulation;

/// <summary>A whole simulator run in memory plus the small spectral tools the simulator tests use.</summary>
internal sealed class SimulationRecording
{
    public required float[] Data { get; init; }
    public required double[] Timestamps { get; init; }
    public required List<Marker> Markers { get; init; }
    public required int Channels { get; init; }
    public required double Rate { get; init; }
    public required IReadOnlyList<string> Labels { get; init; }

    public int FrameCount => Timestamps.Length;

    /// <summary>Runs the simulator for <paramref name="trials"/> whole trials, filling in chunks of <paramref name="chunk"/> frames.</summary>
    public static SimulationRecording Trials(MotorImagerySimulatorOptions options, int trials, int chunk = 10)
    {
        var plan = MotorImagerySimulator.PlanTrials(options, trials);
        var frames = (int)Math.Round((plan[^1].NextStartTime - options.StartTime) * options.SamplingRate);
        return Frames(options, frames, chunk);
    }

    public static SimulationRecording Frames(MotorImagerySimulatorOptions options, int frames, int chunk = 10)
    {
        var sim = new MotorImagerySimulator(options);
        var channels = options.ChannelLabels.Count;
        var data = new float[frames * channels];
        var timestamps = new double[frames];
        var markers = new List<Marker>();
        for (var done = 0; done < frames; done += chunk)
        {
            var n = Math.Min(chunk, frames - done);
            sim.Fill(data.AsSpan(done * channels), timestamps.AsSpan(done), n, markers);
        }
        return new SimulationRecording
        {
            Data = data, Timestamps = timestamps, Markers = markers, Channels = channels,
            Rate = options.SamplingRate, Labels = options.ChannelLabels,
        };
    }

    public int ChannelIndex(string label) => Labels.ToList().FindIndex(l => l == label);

    public int FrameOf(double timestamp) => (int)Math.Round((timestamp - Timestamps[0]) * Rate);

    public double[] Segment(string label, int startFrame, int length)
    {
        var c = ChannelIndex(label);
        var x = new double[length];
        for (var i = 0; i < length; i++) x[i] = Data[(startFrame + i) * Channels + c];
        return x;
    }

    /// <summary>Variance of <paramref name="x"/> band-passed to [lo, hi] Hz by an FFT mask (Parseval, no window).</summary>
    public static double BandVariance(double[] x, double rate, double lo, double hi)
    {
        var n = x.Length;
        var mean = x.Average();
        var spectrum = x.Select(v => new Complex(v - mean, 0)).ToArray();
        Fourier.Forward(spectrum, FourierOptions.NoScaling);
        var power = 0.0;
        for (var k = 1; k < n; k++)
        {
            var f = Math.Min(k, n - k) * rate / n;
            if (f >= lo && f <= hi) power += spectrum[k].Magnitude * spectrum[k].Magnitude;
        }
        return power / ((double)n * n);
    }

    public static double Variance(double[] x)
    {
        var mean = x.Average();
        return x.Sum(v => (v - mean) * (v - mean)) / x.Length;
    }

    /// <summary>Welch power spectral density (Hann, 50 % overlap); index k is frequency k * rate / nfft.</summary>
    public static double[] Welch(double[] x, int nfft)
    {
        var psd = new double[nfft / 2 + 1];
        var window = Enumerable.Range(0, nfft).Select(i => 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / nfft)).ToArray();
        var segments = 0;
        for (var start = 0; start + nfft <= x.Length; start += nfft / 2)
        {
            var mean = 0.0;
            for (var i = 0; i < nfft; i++) mean += x[start + i];
            mean /= nfft;
            var buf = new Complex[nfft];
            for (var i = 0; i < nfft; i++) buf[i] = new Complex((x[start + i] - mean) * window[i], 0);
            Fourier.Forward(buf, FourierOptions.NoScaling);
            for (var k = 0; k < psd.Length; k++) psd[k] += buf[k].Magnitude * buf[k].Magnitude;
            segments++;
        }
        for (var k = 0; k < psd.Length; k++) psd[k] /= segments;
        return psd;
    }
}
