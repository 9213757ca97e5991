using Pipeline.Core.Inference;
using Pipeline.Host.Service;
using Pipeline.Sources.Audio;
using Pipeline.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pipeline.Tests.Fuzz;

/// <summary>The fuzz pass over WAV files, model cards and service configurations.</summary>
public sealed class WavAndJsonFuzzTests(ITestOutputHelper output) : ReaderFuzzTests(output)
{
    [SharedDataFact]
    public void Wav_reader_survives_a_thousand_mutated_files()
    {
        var seeds = new List<byte[]>
        {
            File.ReadAllBytes(SharedData.File("speech", "tflite-micro", "yes_1000ms.wav")),
            File.ReadAllBytes(SharedData.File("speech", "tflite-micro", "no_1000ms.wav"))[..16044],
            File.ReadAllBytes(SharedData.File("speech", "alsa-utils", "Front_Left.wav"))[..48044],
            File.ReadAllBytes(SharedData.File("speech", "silero-vad", "jfk.wav"))[..32070],
        };
        RunFiles("WAV", ".wav", seeds, WavFields, seed: 1405, path =>
        {
            var header = WavHeader.Read(path);
            var source = WavFileSource.Open(path);
            Assert.True(source.Samples.Length > 0);
            return header.IsTruncated ? FuzzOutcome.Partial : FuzzOutcome.Clean;
        });
    }

    [Fact]
    public void Model_card_reader_survives_a_thousand_mutated_cards()
    {
        var models = Path.Combine(SharedData.RepositoryRoot, "models");
        var seeds = new[] { "dbconformer-demo.json", "ssl/kws-ws.json", "ssl/kws-hconv.json", "ssl/ssl-tiny-upstream.json" }
            .Select(n => File.ReadAllText(Path.Combine(models, n))).ToList();
        foreach (var s in seeds) ModelCard.Parse(s, "seed"); // the seeds themselves are valid
        RunJson("model card", seeds, seed: 1406, json =>
        {
            var card = ModelCard.Parse(json, "fuzz.json");
            Assert.NotNull(card);
            return FuzzOutcome.Clean;
        });
    }

    [Fact]
    public void Service_configuration_reader_survives_a_thousand_mutated_configurations()
    {
        var seeds = new List<string> { File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "examples", "pipeline.json")) };
        RunJson("service configuration", seeds, seed: 1407, json =>
        {
            var (config, error) = ServiceConfigurationLoader.Parse(json);
            if (error is not null)
            {
                Assert.Null(config);
                Assert.False(string.IsNullOrWhiteSpace(error.Path));
                Assert.False(string.IsNullOrWhiteSpace(error.Message));
                Assert.DoesNotContain('\n', error.Message);
                return FuzzOutcome.ClearError;
            }
            Assert.NotNull(config);
            return FuzzOutcome.Clean;
        });
    }
}
