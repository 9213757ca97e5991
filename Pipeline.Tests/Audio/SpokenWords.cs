using System.Diagnostics;
using NAudio.Wave;
using Pipeline.Sources.Audio;

namespace Pipeline.Tests.Audio;

/// <summary>Command words spoken by espeak-ng in voices the keyword model never saw in training, joined into one 16 kHz WAV.</summary>
public static class SpokenWords
{
    public static readonly string[] Commands = ["yes", "no", "up", "down", "left", "right", "stop", "go", "on", "off"];

    /// <summary>Held out of training in models/ssl/data.py (HELDOUT_LANGS x HELDOUT_VARIANTS).</summary>
    public static readonly string[] UnseenVoices = ["en-us-nyc+m7", "en-gb-x-gbclan+f4", "en-gb-x-gbcwmd+m6", "en-us-nyc+f5", "en-gb-x-gbclan+klatt4"];

    public static bool EspeakPresent => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "espeak-ng")));

    /// <summary>Writes the words with <paramref name="gapSeconds"/> of silence between them; returns the word list and each word's end (s from file start).</summary>
    public static (List<string> Words, List<double> Ends) Write(string path, int count, int seed, double gapSeconds = 0.8)
    {
        var rng = new Random(seed);
        var audio = new List<float>(new float[8000]);
        var words = new List<string>();
        var ends = new List<double>();
        var tmp = Path.Combine(Path.GetTempPath(), $"espeak-{Guid.NewGuid():N}.wav");
        try
        {
            for (var i = 0; i < count; i++)
            {
                var word = Commands[i % Commands.Length];
                var voice = UnseenVoices[rng.Next(UnseenVoices.Length)];
                var start = new ProcessStartInfo("espeak-ng") { RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (var a in new[] { "-v", voice, "-s", rng.Next(120, 200).ToString(System.Globalization.CultureInfo.InvariantCulture), "-p", rng.Next(30, 70).ToString(System.Globalization.CultureInfo.InvariantCulture), "-w", tmp, word })
                    start.ArgumentList.Add(a);
                using (var p = Process.Start(start)!) { p.WaitForExit(); if (p.ExitCode != 0) throw new InvalidOperationException($"espeak-ng failed for voice {voice}."); }
                var samples = WavFileSource.Open(tmp).Samples;
                // espeak pads its output with silence; cut it so the word end is known to the sample.
                var first = Array.FindIndex(samples, v => Math.Abs(v) > 0.01);
                var last = Array.FindLastIndex(samples, v => Math.Abs(v) > 0.01);
                if (first < 0) continue;
                var gain = 0.5f / samples.Skip(first).Take(last - first + 1).Max(Math.Abs);
                audio.AddRange(samples.Skip(first).Take(last - first + 1).Select(v => v * gain));
                words.Add(word);
                ends.Add(audio.Count / 16000.0);
                audio.AddRange(new float[(int)(gapSeconds * 16000)]);
            }
        }
        finally { File.Delete(tmp); }
        using var w = new WaveFileWriter(path, new WaveFormat(16000, 16, 1));
        var arr = audio.ToArray();
        w.WriteSamples(arr, 0, arr.Length);
        return (words, ends);
    }
}
