"""Self-supervised pretraining of the tiny upstream, HuBERT's first iteration: k-means clusters of MFCC frames
are the targets, spans of the projected features are masked, and the last layer predicts the clusters of the masked
frames (and, weighted by --unmasked-weight, of the unmasked ones: HuBERT's alpha < 1, a denser signal for a short
CPU budget).
Corpus: the real running speech in ../shared/data/speech plus espeak-ng sentences in the training voices.

  /usr/bin/python3 models/ssl/pretrain.py --out models/ssl/runs/pretrain --minutes 8
"""
import argparse
import copy
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio
from sklearn.cluster import MiniBatchKMeans

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import ssl_model  # noqa: E402

SEG = 2 * data.RATE


def mfcc_features(wave):
    """[B, N] → [B, T, 39] (MFCC + deltas), frames aligned with the conv encoder (25 ms window, 20 ms hop)."""
    mfcc = torchaudio.transforms.MFCC(sample_rate=data.RATE, n_mfcc=13,
                                      melkwargs=dict(n_fft=400, win_length=400, hop_length=320, n_mels=40, center=False))
    m = mfcc(wave)  # [B, 13, T]
    d1 = torchaudio.functional.compute_deltas(m)
    d2 = torchaudio.functional.compute_deltas(d1)
    return torch.cat([m, d1, d2], 1).transpose(1, 2)


def corpus(rng, sentences, threads):
    words = data.COMMANDS + data.UNKNOWN_WORDS
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 6))) for _ in range(sentences)]
    vs = data.voices(data.TRAIN_LANGS, data.TRAIN_VARIANTS)
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(threads) as ex:
        synth = list(ex.map(lambda t: data.espeak(t, rng.choice(vs), rng.randint(110, 230), rng.randint(20, 80)), texts))
    real = data.long_speech()
    segs = []
    for x in synth + real * 4:
        off = rng.randint(0, max(0, len(x) - SEG)) if len(x) > SEG else 0
        for s in range(off % SEG if len(x) > SEG else 0, max(1, len(x) - SEG // 2), SEG):
            seg = x[s:s + SEG]
            segs.append(np.pad(seg, (0, SEG - len(seg))) * (0.5 / max(1e-4, np.abs(seg).max())) * 10 ** (rng.uniform(-10, 0) / 20))
    return np.stack(segs).astype(np.float32), len(synth), len(real)


def span_mask(B, T, rng, p=0.08, span=5):
    """Span starts drawn with probability p per frame, each masking `span` frames (HuBERT: p=0.08, span 10)."""
    m = torch.zeros(B, T, dtype=torch.bool)
    starts = torch.rand(B, T) < p
    for b, t in starts.nonzero().tolist():
        m[b, t:t + span] = True
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=8)
    ap.add_argument("--sentences", type=int, default=600)
    ap.add_argument("--clusters", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--corpus-out", help="only synthesise the corpus into this .npz (int16) and stop")
    ap.add_argument("--corpus-in", help="read the corpus from this .npz instead of synthesising it (e.g. on a GPU host without espeak-ng)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--max-segments", type=int, default=950)
    ap.add_argument("--crop", type=float, default=0, help="train on random crops of this many seconds (cheaper steps)")
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=300, help="steps of linear learning-rate warm-up")
    ap.add_argument("--unmasked-weight", type=float, default=0.5,
                    help="weight of the loss on unmasked frames (HuBERT's 1 - alpha; 0 = masked frames only). A dense signal that helps a short CPU budget")
    ap.add_argument("--mask-prob", type=float, default=0.08)
    ap.add_argument("--mask-span", type=int, default=10)
    ap.add_argument("--log-every", type=int, default=0, help="steps between log lines (default: 20 on CPU, 200 on GPU)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    rng = random.Random(a.seed)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    os.makedirs(a.out, exist_ok=True)

    t0 = time.time()
    if a.corpus_in:
        z = np.load(a.corpus_in)
        segs, n_synth, n_real = z["segments"].astype(np.float32) / 32767.0, int(z["espeak_sentences"]), int(z["real_files"])
    else:
        segs, n_synth, n_real = corpus(rng, a.sentences, a.threads)
    if a.corpus_out:
        if len(segs) > a.max_segments:  # the transfer to a GPU host is limited in size
            segs = segs[np.random.RandomState(a.seed).permutation(len(segs))[:a.max_segments]]
        np.savez_compressed(a.corpus_out, segments=(np.clip(segs, -1, 1) * 32767).astype(np.int16), espeak_sentences=n_synth, real_files=n_real)
        print(f"wrote {a.corpus_out}: {len(segs)} segments")
        return
    print(f"corpus: {len(segs)} x 2 s segments ({n_synth} espeak sentences, {n_real} real files) in {time.time() - t0:.0f} s", flush=True)
    with torch.no_grad():
        feats = torch.cat([mfcc_features(torch.from_numpy(segs[i:i + 64])) for i in range(0, len(segs), 64)])
    mean, std = feats.reshape(-1, 39).mean(0), feats.reshape(-1, 39).std(0) + 1e-5
    flat = ((feats - mean) / std).reshape(-1, 39).numpy()
    km = MiniBatchKMeans(a.clusters, random_state=a.seed, n_init=3, batch_size=4096).fit(flat)
    targets = torch.from_numpy(km.predict(flat).astype(np.int64)).reshape(feats.shape[0], feats.shape[1])
    print(f"k-means: {a.clusters} clusters over {len(flat)} MFCC frames, inertia/frame {km.inertia_ / len(flat):.2f}", flush=True)

    dev = torch.device(a.device)
    model = ssl_model.tiny_upstream().to(dev)
    D = ssl_model.TINY["encoder_embed_dim"]
    mask_emb = nn.Parameter(torch.empty(D, device=dev).uniform_())
    predictor = nn.Linear(D, a.clusters).to(dev)
    params = list(model.parameters()) + [mask_emb] + list(predictor.parameters())
    opt = torch.optim.AdamW(params, lr=5e-4, weight_decay=0.01)
    x_all = torch.from_numpy(segs)
    step, log, skipped, ema = 0, [], 0, 0.0
    best = (float("inf"), -1, None)
    deadline = t0 + a.minutes * 60
    t_train = time.time()
    model.train()
    while time.time() < deadline:
        idx = torch.randint(0, len(x_all), (a.batch,))
        x = x_all[idx]
        y = targets[idx]
        if a.crop:
            frames = ssl_model.frames_for(int(a.crop * data.RATE))
            f0 = rng.randint(0, y.shape[1] - frames)
            x = x[:, f0 * 320: f0 * 320 + int(a.crop * data.RATE)]
            y = y[:, f0:f0 + frames]
        x, y = x.to(dev), y.to(dev)
        m = span_mask(a.batch, y.shape[1], rng, a.mask_prob, a.mask_span).to(dev)
        # linear warm-up, then a cosine decay to 5 % over the time budget
        progress = min(1.0, (time.time() - t_train) / max(1.0, deadline - t_train))
        lr = a.lr * min(1.0, (step + 1) / a.warmup) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        if not m.any():  # an empty mask would make the loss NaN (mean over no frames)
            continue
        h = ssl_model.hidden_states(model, x, mask=m, mask_emb=mask_emb)
        logits = predictor(h[-1])
        loss = F.cross_entropy(logits[m], y[m])
        if a.unmasked_weight > 0 and (~m).any():
            loss = (1 - a.unmasked_weight) * loss + a.unmasked_weight * F.cross_entropy(logits[~m], y[~m])
        opt.zero_grad()
        if not torch.isfinite(loss):
            skipped += 1
            if skipped > 50:
                raise SystemExit(f"loss is {loss.item()} at step {step} ({skipped} steps skipped); lower --lr")
            continue
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, 5.0)
        if not torch.isfinite(norm):  # a rare non-finite gradient is skipped, not applied
            skipped += 1
            if skipped > 50:
                raise SystemExit(f"gradient norm is {norm.item()} at step {step} ({skipped} steps skipped); lower --lr")
            opt.zero_grad()
            continue
        opt.step()
        with torch.no_grad():
            acc = (logits[m].argmax(-1) == y[m]).float().mean().item()
            ema = loss.item() if step == 0 else 0.98 * ema + 0.02 * loss.item()  # single batches are noisy (silence share varies)
        if step % (a.log_every or (20 if a.device == "cpu" else 200)) == 0:
            print(f"step {step} loss {loss.item():.3f} (ema {ema:.3f}) masked-acc {acc:.3f} lr {lr:.1e} skipped {skipped} ({time.time() - t0:.0f} s)", flush=True)
            log.append(dict(step=step, loss=loss.item(), loss_ema=ema, masked_acc=acc))
            if step >= a.warmup and ema < best[0]:  # keep the weights with the lowest smoothed training loss
                best = (ema, step, copy.deepcopy(model.state_dict()))
        step += 1
    if best[2] is not None:
        print(f"keeping the weights of step {best[1]} (smoothed loss {best[0]:.3f})", flush=True)
        model.load_state_dict(best[2])
    model.eval().cpu()
    # Weights also as plain numpy arrays: readable by any torch version (GPU host and Debian's 1.13 differ).
    np.savez(os.path.join(a.out, "upstream-weights.npz"), **{k: v.numpy() for k, v in model.state_dict().items()})
    torch.save(dict(config=ssl_model.TINY, state=model.state_dict(), steps=step, log=log, clusters=a.clusters,
                    segments=len(segs), espeak_sentences=n_synth, real_files=n_real, command=" ".join(sys.argv)),
               os.path.join(a.out, "upstream.pt"))
    json.dump(dict(config=ssl_model.TINY, steps=step, kept_step=best[1], kept_loss_ema=best[0], skipped=skipped, log=log, final=log[-1] if log else None, clusters=a.clusters, segments=len(segs),
                   espeak_sentences=n_synth, real_files=n_real, command=" ".join(sys.argv), device=a.device, torch=torch.__version__,
                   seconds=time.time() - t0), open(os.path.join(a.out, "pretrain.json"), "w"), indent=1)
    print(f"saved after {step} steps, {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
