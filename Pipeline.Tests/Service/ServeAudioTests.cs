using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Lsl.Xdf;
using Pipeline.Tests.Audio;
using Pipeline.Tests.Infrastructure;
using static Pipeline.Tests.Service.ServiceTestSupport;

namespace Pipeline.Tests.Service;

/// <summary>A fact that needs espeak-ng to speak test words; skipped with the reason where it is missing, except in CI.</summary>
public sealed class EspeakFactAttribute : FactAttribute
{
    public EspeakFactAttribute()
    {
        if (!SpokenWords.EspeakPresent && !VirtualMicrophone.IsCi) Skip = "needs espeak-ng (apt-get install espeak-ng) to speak the test words";
    }
}

/// <summary><c>pipeline serve</c> with a speech session (a WAV file played at its own pace, looped) beside an EEG session.</summary>
public sealed class ServeAudioTests
{
    [EspeakFact]
    public async Task A_wav_file_session_runs_beside_an_eeg_session_and_status_shows_both()
    {
        var folder = NewFolder();
        var (words, _) = SpokenWords.Write(Path.Combine(folder, "words.wav"), 6, seed: 4);
        var url = $"http://127.0.0.1:{FreePort()}";
        var speech = new JsonObject
        {
            ["id"] = "words",
            ["source"] = new JsonObject { ["kind"] = "replay", ["file"] = "words.wav", ["speed"] = 1, ["loop"] = true },
            ["model"] = new JsonObject { ["path"] = Path.Combine(SharedData.RepositoryRoot, "models", "ssl", "kws-hconv.onnx") },
            ["sinks"] = new JsonObject { ["jsonl"] = "words.jsonl" },
            ["recording"] = new JsonObject { ["xdf"] = "{id}.xdf" },
        };
        var path = Write(folder, Config(url, null, SimulatorSession("eeg", 4, seed: 7), speech));
        var (p, output) = StartServe(path);
        try
        {
            using var http = new HttpClient();
            Assert.True(await Eventually(async () => (await http.GetAsync(url + "/health")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60)), "never ready: " + output);
            // The words come 0.8 s apart: within the first lap every one has been classified.
            Assert.True(await Eventually(async () => (await GetJson(http, url + "/status"))["sessions"]![1]!["windows"]!.GetValue<long>() >= words.Count, TimeSpan.FromSeconds(60)), "the speech session classified too few words: " + output);
            var status = await GetJson(http, url + "/status");
            var eeg = status["sessions"]![0]!;
            var audio = status["sessions"]![1]!;
            Assert.Equal(("eeg", "running"), (eeg["id"]!.GetValue<string>(), eeg["state"]!.GetValue<string>()));
            Assert.Equal(("words", "running"), (audio["id"]!.GetValue<string>(), audio["state"]!.GetValue<string>()));
            Assert.StartsWith("replay words.wav ('words', audio at 16000 Hz), 1x, looped", audio["source"]!.GetValue<string>());
            Assert.Equal(16000, audio["nominalRateHz"]!.GetValue<double>());
            Assert.True(audio["commands"]!.GetValue<long>() > 0);
            Assert.True(eeg["windows"]!.GetValue<long>() > 0);
            Assert.Equal(0, audio["drops"]!.GetValue<long>());
            File.WriteAllText(Path.Combine(folder, "status.json"), status.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

            Signal(p, "TERM");
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(10)), "serve did not exit: " + output);
            Assert.Equal(0, p.ExitCode);
            // The speech session writes the schema of every verb: predictions with their speech segment, commands, a summary.
            var lines = File.ReadLines(Path.Combine(folder, "words.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var predictions = lines.Where(l => l.GetProperty("type").GetString() == "prediction").ToList();
            Assert.True(predictions.Count >= words.Count);
            Assert.All(predictions, x => Assert.True(x.GetProperty("segment_end").GetDouble() > x.GetProperty("segment_start").GetDouble()));
            // The first lap's words, in order (the keyword model gets most of these unseen voices right).
            var labels = predictions.Take(words.Count).Select(x => x.GetProperty("label").GetString()).ToList();
            Assert.True(words.Zip(labels).Count(x => x.First == x.Second) >= words.Count / 2, $"words {string.Join(' ', words)}, labels {string.Join(' ', labels)}");
            Assert.Contains(lines, l => l.GetProperty("type").GetString() == "command");
            Assert.Equal("summary", lines[^1].GetProperty("type").GetString());
            // ... and its recording holds the 16 kHz audio, the predictions and the commands.
            var reader = XdfReader.Open(Path.Combine(folder, "words.xdf"));
            Assert.Equal(16000, reader.FindStream(1)!.Header.NominalSrate);
            Assert.True(reader.FindStream(1)!.SampleCount > 16000);
            Assert.True(reader.FindStream(3)!.SampleCount >= words.Count);
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            p.Dispose();
            Directory.Delete(folder, true);
        }
    }
}
