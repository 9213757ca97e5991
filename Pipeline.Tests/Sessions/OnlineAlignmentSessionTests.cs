using System.Reactive.Linq;
using System.Text.Json.Nodes;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Sinks.Files;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Sessions;

/// <summary>
/// Issue 11, item 2 in the runtime: a card with alignment mode online makes the session align every window online, a
/// calibration stream seeds it, and bad signals (a flat channel, an all-zero start) give counted, guarded windows and
/// finite probabilities, never NaN.
/// </summary>
public sealed class OnlineAlignmentSessionTests : IDisposable
{
    private const double Hop = 0.5;
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-online-ea-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// <paramref name="seconds"/> of uniform noise in chunks of 25 frames from t = 0; channel k scaled by
    /// <paramref name="amplitude"/>(k) (0: a flat channel), every channel 0 before <paramref name="zeroUntil"/>.
    /// </summary>
    private static IObservable<SourceEvent> Noise(StreamDescription d, double seconds, Func<int, double>? amplitude = null, double zeroUntil = 0, int seed = 7)
    {
        var rng = new Random(seed);
        var chunks = (int)(seconds * d.NominalRate / 25);
        return Observable.Range(0, chunks).Select(k =>
        {
            var chunk = new SignalChunk(d, 25);
            chunk.Reset(d, 25);
            for (var f = 0; f < 25; f++)
            {
                var t = (k * 25 + f) / d.NominalRate;
                chunk.Timestamps[f] = t;
                for (var c = 0; c < d.ChannelCount; c++)
                    chunk.Frame(f)[c] = t < zeroUntil ? 0f : (float)((rng.NextDouble() * 20 - 10) * (amplitude?.Invoke(c) ?? 1));
            }
            return SourceEvent.FromChunk(chunk);
        });
    }

    private static StreamDescription Amplifier(ModelRunner model) => new("amp", "EEG", model.Card.Channels, model.Card.Rate);

    private static int WindowsIn(double seconds, ModelRunner model) => (int)Math.Floor((seconds - model.Card.Window.Seconds) / Hop + 1e-9) + 1;

    [Theory]
    [InlineData(20.0)] // from the card's population reference
    [InlineData(0.0)]  // no reference: the first windows' covariance is singular in the flat channel's row and column
    public void A_flat_channel_gives_finite_probabilities_and_no_guarded_window(double warmup)
    {
        using var model = ModelRunner.Load(DemoModelVariant.Write(_dir, "flat", "online", warmup));
        var d = Amplifier(model);
        var session = DecodingSession.Create(d, new DecodingOptions { HopSeconds = Hop }, model);
        Assert.NotNull(session.OnlineAlignment);
        var sink = new CollectingSink();
        var summary = session.Run(Noise(d, 30, c => c == 5 ? 0 : 1), CancellationToken.None, sink);

        Assert.True(summary.OnlineAlignment);
        Assert.Equal(WindowsIn(30, model), summary.Windows);
        Assert.Equal(summary.Windows, sink.Predictions.Count);
        Assert.All(sink.Predictions, p => Assert.All(p.Values, v => Assert.True(float.IsFinite(v) && v is >= 0 and <= 1, $"window {p.WindowIndex}: {v}")));
        // The floor keeps R^-1/2 finite: a flat channel is not a reference without eigenvalues, so nothing is guarded.
        Assert.Equal(0, summary.GuardedWindows);
        Assert.Equal(0, summary.SkippedWindows);
    }

    [Fact]
    public void An_all_zero_start_without_a_reference_is_guarded_counted_in_the_summary_and_never_NaN()
    {
        using var model = ModelRunner.Load(DemoModelVariant.Write(_dir, "zero-start", "online", warmup: 0));
        var d = Amplifier(model);
        var session = DecodingSession.Create(d, new DecodingOptions { HopSeconds = Hop }, model);
        var sink = new CollectingSink();
        var jsonl = Path.Combine(_dir, "zero-start.jsonl");
        SessionSummary summary;
        using (var json = new JsonLinesSink(jsonl))
            summary = session.Run(Noise(d, 30, zeroUntil: 10), CancellationToken.None, sink, json);

        // The windows that end by 10 s hold only zeros (a causal filter of zeros is zeros): the running reference has no
        // eigenvalue above 0, so each is aligned with the identity and counted. The first window holding signal ends it.
        var zeroWindows = WindowsIn(10, model);
        Assert.InRange(summary.GuardedWindows, zeroWindows - 1, zeroWindows);
        Assert.Equal(summary.GuardedWindows, session.GuardedWindows);
        Assert.Equal(WindowsIn(30, model), sink.Predictions.Count);
        Assert.All(sink.Predictions, p => Assert.All(p.Values, v => Assert.True(float.IsFinite(v), $"window {p.WindowIndex}: {v}")));
        // The windows with signal differ from the guarded ones (they are aligned, not passed through).
        Assert.NotEqual(sink.Predictions[0].Values[0], sink.Predictions[^1].Values[0]);

        var last = JsonNode.Parse(File.ReadLines(jsonl).Last())!;
        Assert.Equal("summary", (string?)last["type"]);
        Assert.Equal("online", (string?)last["alignment"]);
        Assert.Equal(summary.GuardedWindows, (long)last["guarded_windows"]!);
    }

    [Fact]
    public void A_calibration_stream_replaces_the_cards_reference_with_its_mean_window_covariance()
    {
        using var model = ModelRunner.Load(DemoModelVariant.Write(_dir, "seeded", "online", warmup: 20, referenceVariance: 100));
        var d = Amplifier(model);
        var session = DecodingSession.Create(d, new DecodingOptions { HopSeconds = Hop }, model);
        var online = session.OnlineAlignment!;
        Assert.Equal(20, online.Weight);

        // Channel k's noise is (1 + k mod 4) times as large: the band-passed variances keep the squares of those ratios.
        var windows = session.SeedAlignment(d, Noise(d, 60, c => 1 + c % 4, seed: 11));
        Assert.Equal(WindowsIn(60, model), windows);
        Assert.Equal(windows, online.Weight);
        var n = d.ChannelCount;
        var reference = new double[n * n];
        Assert.True(online.CopyReference(reference));
        for (var i = 0; i < n; i++)
        {
            var expected = Math.Pow(1 + i % 4, 2);
            Assert.InRange(reference[i * n + i] / reference[0], expected * 0.85, expected * 1.15);
            for (var j = 0; j < i; j++)
            {
                Assert.Equal(reference[i * n + j], reference[j * n + i]);
                Assert.True(Math.Abs(reference[i * n + j]) < 0.1 * Math.Sqrt(reference[i * n + i] * reference[j * n + j]), $"({i},{j}) is not small");
            }
        }
        // Not the card's reference (100 µV² on the diagonal for every channel) any more.
        Assert.True(reference[3 * n + 3] / reference[0] > 10);

        // The seeded session decodes on from there.
        var sink = new CollectingSink();
        var summary = session.Run(Noise(d, 10), CancellationToken.None, sink);
        Assert.Equal(WindowsIn(10, model), sink.Predictions.Count);
        Assert.Equal(windows + summary.Windows, online.Weight);
        Assert.All(sink.Predictions, p => Assert.All(p.Values, v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public void Seeding_a_fixed_alignment_or_from_a_stream_shorter_than_a_window_is_refused_in_one_sentence()
    {
        using var offline = ModelRunner.Load(DemoModelVariant.Write(_dir, "fixed", "offline"));
        var d = Amplifier(offline);
        var fixedSession = DecodingSession.Create(d, new DecodingOptions(), offline);
        Assert.Null(fixedSession.OnlineAlignment);
        var e = Assert.Throws<PipelineException>(() => fixedSession.SeedAlignment(d, Noise(d, 10)));
        Assert.Contains("fixed alignment matrix", e.Message);

        using var online = ModelRunner.Load(DemoModelVariant.Write(_dir, "short", "online"));
        var session = DecodingSession.Create(d, new DecodingOptions(), online);
        e = Assert.Throws<PipelineException>(() => session.SeedAlignment(d, Noise(d, 2)));
        Assert.Contains("shorter than one window", e.Message);
        Assert.Equal(20, session.OnlineAlignment!.Weight); // unchanged
    }
}
