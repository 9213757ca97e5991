"""Speech data for the SSL tooling: espeak-ng synthesis (many voices, speeds, pitches) and the real clips in
../shared/data/speech. Everything is 16 kHz mono float32 in [-1, 1]."""
import glob
import io
import os
import random
import subprocess
import wave
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
import torchaudio.functional as AF

RATE = 16000
COMMANDS = ["yes", "no", "up", "down", "left", "right", "stop", "go", "on", "off"]
CLASSES = COMMANDS + ["unknown", "silence"]
UNKNOWN_WORDS = ["bed", "bird", "cat", "dog", "eight", "five", "four", "happy", "house", "marvin", "nine", "one",
                 "seven", "sheila", "six", "three", "tree", "two", "wow", "zero", "backward", "forward", "follow",
                 "learn", "visual", "yellow", "button", "window", "open", "close", "water", "later"]

# Voices are split so that held-out evaluation (and the live CI test) hears voices the head never saw.
TRAIN_LANGS = ["en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp"]
TRAIN_VARIANTS = ["", "+m1", "+m2", "+m3", "+m4", "+m5", "+m8", "+f1", "+f2", "+f3", "+klatt", "+klatt2", "+klatt3",
                  "+klatt5", "+klatt6", "+Andy", "+Annie", "+john", "+steph", "+michel", "+quincy", "+Alex", "+Gene", "+Lee",
                  "+Mike", "+Michael", "+Denis", "+Jacky", "+adam", "+aunty", "+belinda", "+benjamin", "+boris", "+caleb",
                  "+david", "+ed", "+edward", "+grandma", "+grandpa", "+iven", "+linda", "+max", "+norbert", "+paul", "+rob",
                  "+robert", "+travis", "+victor", "+zac", "+steph2"]
HELDOUT_LANGS = ["en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"]
HELDOUT_VARIANTS = ["+m7", "+f4", "+f5", "+m6", "+klatt4"]


def shared_speech_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "data", "speech"))


def read_wav(path):
    """16-bit/float WAV → float32 mono 16 kHz."""
    with wave.open(path, "rb") as w:
        rate, ch, width, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        raw = w.readframes(n)
    if width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 4:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    elif width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128) / 128.0
    else:
        raise ValueError(f"{path}: {width}-byte samples")
    x = x.reshape(-1, ch).mean(axis=1)
    if rate != RATE:
        x = AF.resample(torch.from_numpy(x), rate, RATE).numpy()
    return x.astype(np.float32)


def write_wav(path, x):
    x = np.clip(np.asarray(x, dtype=np.float32), -1, 1)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((x * 32767).astype("<i2").tobytes())


def espeak(text, voice, speed, pitch):
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
                         check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(out), "rb") as w:
        rate = w.getframerate()
        # espeak's --stdout header carries a bogus frame count; read what is there.
        raw = out[44:]
    x = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0
    x = AF.resample(torch.from_numpy(x.copy()), rate, RATE).numpy()
    return trim(x)


def trim(x, threshold=0.01):
    idx = np.nonzero(np.abs(x) > threshold)[0]
    return x if len(idx) == 0 else x[max(0, idx[0] - 160): idx[-1] + 160]


def place(word, rng, length=RATE, noise=None, snr_db=None, end_aligned=False):
    """Puts a word into a 1 s clip: at a random position, or (end_aligned) ending 0.06-0.45 s before the clip's end,
    as the runtime sees it (its window is the last second when the VAD closes the segment; a long word loses its
    start)."""
    out = np.zeros(length, dtype=np.float32)
    if end_aligned:
        end = length - rng.randint(int(0.06 * RATE), int(0.45 * RATE))
        w = word[-end:]
        start = end - len(w)
    else:
        w = word[:length]
        start = rng.randint(0, length - len(w))
    out[start:start + len(w)] = w
    gain = 10 ** (rng.uniform(-12, 3) / 20) * 0.5 / max(1e-4, np.abs(out).max())
    out *= gain
    if noise is not None:
        out = out + background(noise, rng, length, level=np.sqrt(np.mean(out ** 2)) * 10 ** (-(snr_db or 20) / 20))
    return out.astype(np.float32)


def background(noise, rng, length, level):
    seg = noise[rng.randint(0, len(noise) - length):][:length]
    return seg / max(1e-6, np.sqrt(np.mean(seg ** 2))) * level


def noise_files():
    d = shared_speech_dir()
    return [read_wav(p) for p in sorted(glob.glob(os.path.join(d, "speech_commands", "*", "_background_noise_", "*.wav")))]


def synth_words(words, voices, speeds, pitches, rng, per_word, threads=2):
    """per_word random (voice, speed, pitch) draws for each word → list of (word, voice, speed, pitch, audio)."""
    jobs = [(w, rng.choice(voices), rng.choice(speeds), rng.choice(pitches)) for w in words for _ in range(per_word)]
    with ThreadPoolExecutor(threads) as ex:
        audio = list(ex.map(lambda j: espeak(j[0], j[1], j[2], j[3]), jobs))
    return [(*j, a) for j, a in zip(jobs, audio)]


def voices(langs, variants):
    return [l + v for l in langs for v in variants]


def real_keyword_clips():
    """Real labelled 1 s clips from ../shared/data/speech: (path, label, split)."""
    d = shared_speech_dir()
    out = []
    for p in sorted(glob.glob(os.path.join(d, "speech_commands", "*", "*", "*.wav"))):
        parts = p.split(os.sep)
        folder, split = parts[-2], parts[-3]
        if folder == "_background_noise_":
            continue
        label = folder if folder in COMMANDS else ("silence" if folder == "_silence_" else "unknown")
        out.append((p, label, "test" if split.endswith("test") else "train"))
    tfl = os.path.join(d, "tflite-micro")
    # The files named noise and silence are swapped (noise_1000ms is near-silent); both are "silence" here.
    for name, label in [("yes_1000ms", "yes"), ("no_1000ms", "no"), ("noise_1000ms", "silence"), ("silence_1000ms", "silence")]:
        p = os.path.join(tfl, name + ".wav")
        if os.path.exists(p):
            out.append((p, label, "test"))
    return out


def long_speech():
    """Real running speech for pretraining (LibriSpeech, silero-vad samples, alsa-utils voice)."""
    d = shared_speech_dir()
    paths = sorted(glob.glob(os.path.join(d, "librispeech", "*.wav")) + glob.glob(os.path.join(d, "silero-vad", "*.wav"))
                   + glob.glob(os.path.join(d, "alsa-utils", "16k_*.wav")))
    return [read_wav(p) for p in paths if "Noise" not in p]


def fit_1s(x):
    if len(x) >= RATE:
        return x[:RATE]
    return np.pad(x, (0, RATE - len(x)))
