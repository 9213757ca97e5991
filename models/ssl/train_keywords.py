"""Keyword spotting on the frozen, self-supervised upstream: the same head behind two interfaces (weighted sum and
the log-depth hierarchical convolution), trained on espeak-ng clips in the training voices plus the real training
clips, evaluated on REAL held-out clips and on espeak-ng voices never used in training. Exports the upstream
(all hidden states) and each interface+head as separate ONNX files with model cards and golden files.

  /usr/bin/python3 models/ssl/train_keywords.py models/ssl/runs/pretrain/upstream.pt --out models/ssl/runs/kws
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import random
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import ssl_model  # noqa: E402

OPSET = 17


def build_sets(rng, per_command, per_unknown, threads):
    noises = data.noise_files()
    train_voices = data.voices(data.TRAIN_LANGS, data.TRAIN_VARIANTS)
    held_voices = data.voices(data.HELDOUT_LANGS, data.HELDOUT_VARIANTS)
    speeds, pitches = list(range(110, 240, 10)), list(range(20, 85, 5))
    clips = {"train": [], "espeak_heldout": [], "real_test": []}

    def add(split, audio, label, with_noise, end_aligned):
        snr = rng.uniform(5, 30) if with_noise and noises else None
        x = data.place(audio, rng, noise=rng.choice(noises) if snr else None, snr_db=snr, end_aligned=end_aligned)
        clips[split].append((x, data.CLASSES.index(label)))

    # Training clips: half placed anywhere in the second, half as the runtime's VAD-closed window sees them.
    for w, *_ , a in data.synth_words(data.COMMANDS, train_voices, speeds, pitches, rng, per_command, threads):
        add("train", a, w, rng.random() < 0.5, rng.random() < 0.5)
    for w, *_ , a in data.synth_words(data.UNKNOWN_WORDS, train_voices, speeds, pitches, rng, per_unknown, threads):
        add("train", a, "unknown", rng.random() < 0.5, rng.random() < 0.5)
    # Held-out voices, placed as at runtime, clean.
    for w, *_ , a in data.synth_words(data.COMMANDS, held_voices, speeds, pitches, rng, 10, threads):
        add("espeak_heldout", a, w, False, True)
    for w, *_ , a in data.synth_words(data.UNKNOWN_WORDS[::3], held_voices, speeds, pitches, rng, 3, threads):
        add("espeak_heldout", a, "unknown", False, True)
    for _ in range(per_command * 2):  # silence: background noise at many levels, and near-digital silence
        n = rng.choice(noises)
        level = 10 ** rng.uniform(-4, -1)
        clips["train"].append((data.background(n, rng, data.RATE, level).astype(np.float32), data.CLASSES.index("silence")))
    for path, label, split in data.real_keyword_clips():
        x = data.fit_1s(data.read_wav(path))
        if split == "train":
            for _ in range(4):  # the real clips are few: repeat them with shifts
                shift = rng.randint(-1600, 1600)
                clips["train"].append((np.roll(x, shift).astype(np.float32), data.CLASSES.index(label)))
        else:
            clips["real_test"].append((x.astype(np.float32), data.CLASSES.index(label)))
    return clips


@torch.no_grad()
def features(upstream, xs, batch=32):
    out = []
    for i in range(0, len(xs), batch):
        out.append(ssl_model.hidden_states(upstream, torch.from_numpy(np.stack(xs[i:i + batch]))))
    return torch.cat(out, 1)  # [L, N, T, D]


def train_head(kind, H, y, L, D, epochs, rng_seed, lr=2e-3):
    torch.manual_seed(rng_seed)
    interface = ssl_model.WeightedSum(L, D) if kind == "ws" else ssl_model.HConv(L, D)
    model = ssl_model.InterfaceHead(interface, ssl_model.KeywordHead(interface.out_dim, len(data.CLASSES)), normalize=True, D=D)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    n = H.shape[1]
    for ep in range(epochs):
        perm = torch.randperm(n)
        tot, correct = 0.0, 0
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            logits, _ = model(H[:, idx])
            loss = F.cross_entropy(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
            correct += (logits.argmax(-1) == y[idx]).sum().item()
        sched.step()
        if ep % 5 == 0 or ep == epochs - 1:
            print(f"  {kind} epoch {ep} loss {tot / n:.3f} acc {correct / n:.3f}", flush=True)
    return model.eval()


@torch.no_grad()
def evaluate(model, H, y):
    pred = torch.cat([model(H[:, i:i + 256].float())[1].argmax(-1) for i in range(0, H.shape[1], 256)])
    conf = np.zeros((len(data.CLASSES), len(data.CLASSES)), dtype=int)
    for t, q in zip(y.tolist(), pred.tolist()):
        conf[t, q] += 1
    return dict(accuracy=float((pred == y).float().mean().item()), n=int(len(y)), confusion=conf.tolist(),
                errors=[(data.CLASSES[t], data.CLASSES[q]) for t, q in zip(y.tolist(), pred.tolist()) if t != q])


def b64(t):
    return dict(shape=list(t.shape), dtype="float32", data=base64.b64encode(np.ascontiguousarray(t, dtype="<f4").tobytes()).decode())


def export_onnx(module, args, path, input_names, output_names, dynamic_axes):
    torch.onnx.export(module, args, path, opset_version=OPSET, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path), full_check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("--out", required=True)
    ap.add_argument("--per-command", type=int, default=250)
    ap.add_argument("--per-unknown", type=int, default=25)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    rng = random.Random(a.seed)
    np.random.seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    if os.path.isdir(a.checkpoint):  # a pretraining run folder: pretrain.json + upstream-weights.npz (any torch version)
        ck = json.load(open(os.path.join(a.checkpoint, "pretrain.json")))
        ck["config"]["extractor_conv_layer_config"] = [tuple(c) for c in ck["config"]["extractor_conv_layer_config"]]
        z = np.load(os.path.join(a.checkpoint, "upstream-weights.npz"))
        state = {k.replace("parametrizations.weight.original0", "weight_g").replace("parametrizations.weight.original1", "weight_v"): torch.from_numpy(z[k]) for k in z.files}
    else:
        ck = torch.load(a.checkpoint)
        state = ck["state"]
    upstream = ssl_model.wav2vec2_model(**ck["config"])
    upstream.load_state_dict(state)
    upstream.eval()
    L, D = ck["config"]["encoder_num_layers"] + 1, ck["config"]["encoder_embed_dim"]

    clips = build_sets(rng, a.per_command, a.per_unknown, a.threads)
    print({k: len(v) for k, v in clips.items()}, f"{time.time() - t0:.0f} s", flush=True)
    H, Y = {}, {}
    for k, v in clips.items():
        H[k] = features(upstream, [x for x, _ in v])
        Y[k] = torch.tensor([c for _, c in v])
    print(f"features {time.time() - t0:.0f} s", flush=True)

    metrics, models = {}, {}
    for kind in ["ws", "hconv"]:
        models[kind] = train_head(kind, H["train"], Y["train"], L, D, a.epochs, a.seed, a.lr)
        metrics[kind] = {k: evaluate(models[kind], H[k], Y[k]) for k in ["train", "espeak_heldout", "real_test"]}
        print(kind, {k: round(m["accuracy"], 3) for k, m in metrics[kind].items()}, flush=True)

    # Conv1d form vs the pad+gather+MatMul form that is exported.
    hc = models["hconv"].interface
    mm = ssl_model.HConvMatMul(hc)
    probe = H["real_test"].float()
    with torch.no_grad():
        diff = (hc(probe) - mm(probe)).abs().max().item()
    print(f"HConv Conv1d vs MatMul form: max |diff| {diff:.2e}")
    assert diff < 1e-4
    models["hconv"].interface = mm

    # Export: upstream + one interface+head per kind, with cards and golden files.
    up_name = "ssl-tiny-upstream"
    up_path = os.path.join(a.out, up_name + ".onnx")
    golden_wave = torch.from_numpy(np.stack([clips["espeak_heldout"][i][0] for i in range(3)]))
    export_onnx(ssl_model.AllHiddenStates(upstream), (golden_wave,), up_path, ["wave"], ["hidden_states"],
                {"wave": {0: "batch", 1: "samples"}, "hidden_states": {1: "batch", 2: "frames"}})
    with torch.no_grad():
        gh = ssl_model.hidden_states(upstream, golden_wave)
    created = datetime.datetime.now(datetime.timezone.utc).isoformat()
    provenance = dict(pretraining=dict(method="HuBERT iteration 1: prediction of k-means (K=%d) MFCC+delta clusters on masked spans and, weighted by --unmasked-weight, on unmasked frames (see command)" % ck["clusters"],
                                       steps=ck["steps"], segments=ck["segments"], espeak_sentences=ck["espeak_sentences"],
                                       real_files=ck["real_files"], command=ck["command"], final=ck["log"][-1] if ck["log"] else None),
                      command=" ".join(["/usr/bin/python3"] + sys.argv), created=created, torch=torch.__version__,
                      data=["../shared/data/speech (real)", "espeak-ng synthesis (voices %s)" % ",".join(data.TRAIN_LANGS)])
    up_card = {"format": "pipeline-model-card/1", "name": up_name, "architecture": "wav2vec2-style SSL upstream (tiny)",
               "file": up_name + ".onnx", "opset": OPSET,
               "input": {"name": "wave", "layout": "NS", "shape": [-1, -1], "dtype": "float32", "note": "16 kHz mono in [-1, 1], no normalisation"},
               "outputs": ["hidden_states"], "rate": data.RATE, "channels": ["mono"],
               "window": {"samples": data.RATE, "seconds": 1.0},
               "hidden_states": {"layout": "LBTD", "layers": L, "dim": D, "frames": "floor((samples - 400) / 320) + 1"},
               "preprocessing": {"band": None, "notch": 0, "scale": 1.0, "normalize": False},
               "classes": [], "parameters": sum(p.numel() for p in upstream.parameters()),
               "hyperparameters": ck["config"], "provenance": provenance}
    json.dump(up_card, open(os.path.join(a.out, up_name + ".json"), "w"), indent=1)
    json.dump({"format": "pipeline-model-golden/1", "count": 3, "tolerance": {"abs": 1e-3, "rel": 1e-3},
               "note": "wave: 3 held-out espeak clips (1 s); hidden_states: PyTorch eval outputs",
               "wave": b64(golden_wave.numpy()), "hidden_states": b64(gh.numpy())},
              open(os.path.join(a.out, up_name + ".golden.json"), "w"))

    for kind in ["ws", "hconv"]:
        name = f"kws-{kind}"
        path = os.path.join(a.out, name + ".onnx")
        export_onnx(models[kind], (gh,), path, ["hidden_states"], ["logits", "probabilities"],
                    {"hidden_states": {1: "batch", 2: "frames"}, "logits": {0: "batch"}, "probabilities": {0: "batch"}})
        with torch.no_grad():
            lg, pr = models[kind](gh)
        card = {"format": "pipeline-model-card/1", "name": name,
                "architecture": ("weighted-sum interface" if kind == "ws" else "hierarchical log-depth conv interface (pad+gather+MatMul form)") + " + keyword head",
                "file": name + ".onnx", "opset": OPSET, "upstream": up_name + ".onnx",
                "input": {"name": "hidden_states", "layout": "LBTD", "shape": [L, -1, -1, D], "dtype": "float32"},
                "outputs": ["logits", "probabilities"], "rate": data.RATE, "channels": ["mono"],
                "window": {"samples": data.RATE, "seconds": 1.0},
                "preprocessing": {"band": None, "notch": 0, "scale": 1.0},
                "classes": data.CLASSES, "markers": [], "commands": {c: c.upper() for c in data.COMMANDS},
                "rest_class": "silence", "ignore_classes": ["unknown", "silence"],
                "interface": {"kind": kind, "layers": L, "dim": D, "out_dim": models[kind].interface.out_dim,
                              "plan": ssl_model.hconv_plan(L, D)[1] if kind == "hconv" else None,
                              "conv_vs_matmul_max_abs_diff": diff if kind == "hconv" else None},
                "parameters": sum(p.numel() for p in models[kind].parameters()),
                "provenance": dict(provenance, metrics=metrics[kind],
                                   heldout_voices=data.voices(data.HELDOUT_LANGS, data.HELDOUT_VARIANTS))}
        json.dump(card, open(os.path.join(a.out, name + ".json"), "w"), indent=1)
        json.dump({"format": "pipeline-model-golden/1", "count": 3, "tolerance": {"abs": 1e-4, "rel": 1e-3},
                   "hidden_states": b64(gh.numpy()), "logits": b64(lg.numpy()), "probabilities": b64(pr.numpy())},
                  open(os.path.join(a.out, name + ".golden.json"), "w"))
    summary = {k: {s: dict(accuracy=m["accuracy"], n=m["n"]) for s, m in v.items()} for k, v in metrics.items()}
    json.dump(dict(summary=summary, metrics=metrics, conv_vs_matmul=diff), open(os.path.join(a.out, "metrics.json"), "w"), indent=1)
    print(json.dumps(summary, indent=1))
    print(f"done in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
