#!/usr/bin/env python3
"""int8 against float on people the model never saw: a cross-subject DBConformer's held-out subjects.

Takes one fold's checkpoint of the cross-subject training (models/dbconformer/runs/xsubject, written by models/dbconformer/xsubject.sh: a DBConformer trained on
the other subjects of EEGMMIDB, 21 motor channels, 480 samples at 160 Hz, left/right fist imagery) and the `pipeline
epochs` files of its subjects (<subject>R<run>.npz with <subject>R<run>-continuous.npz beside them). Every subject is
aligned with its own reference (the mean covariance of all its sliding windows, 480 samples every 40, as that
training's offline evaluation does). The int8 model is made as models/dbconformer/quantize.py makes the shipped one:
the three convolutions static int8, calibrated on the TRAINING subjects' aligned trials only (never a test subject);
it is scored with quantize.emulate, the int8 graph's arithmetic in PyTorch (the C# Int8ModelTests check ONNX Runtime
against that emulation). Prints per subject and pooled: float and int8 accuracy with 95 % Clopper-Pearson intervals,
trials on which the two decide differently, and the largest probability difference; --onnx-out also writes the float
(fast layout) and int8 ONNX files so `pipeline bench model` can time them.

Usage:
  /usr/bin/python3 bench/int8-heldout.py CHECKPOINT.pt DATA_DIR [--onnx-out DIR]
e.g.
  /usr/bin/python3 bench/int8-heldout.py models/dbconformer/runs/xsubject/fold-models/f0/checkpoint.pt \
      models/dbconformer/runs/xsubject/data
"""
import argparse
import glob
import os
import sys

import numpy as np
import torch
from scipy.stats import beta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "dbconformer"))
import export  # noqa: E402
import export_layout  # noqa: E402
import quantize  # noqa: E402

LENGTH, HOP, EIGEN_FLOOR = 480, 40, 1e-6


def inverse_sqrt(R):
    l, V = np.linalg.eigh((R + R.T) / 2)
    l = np.maximum(l, EIGEN_FLOOR * l[-1])
    return (V * l ** -0.5) @ V.T


def subject(data_dir, name, channels):
    """(aligned trials [n, C, T] float32, labels) of one subject: its own reference over all its sliding windows."""
    xs, ys, covs = [], [], []
    for path in sorted(glob.glob(os.path.join(data_dir, f"{name}R??.npz"))):
        e = np.load(path)
        labels = [str(x) for x in e["channel_labels"]]
        idx = [labels.index(c) for c in channels]
        xs.append(e["X"][:, idx].astype(np.float64))
        ys.append(e["y"].astype(np.int64))
        sig = np.load(path[:-4] + "-continuous.npz")["X"][0][idx].astype(np.float64)
        starts = np.arange(0, sig.shape[1] - LENGTH + 1, HOP)
        W = np.stack([sig[:, s:s + LENGTH] for s in starts])
        covs.append(np.matmul(W, W.transpose(0, 2, 1)) / LENGTH)
    if not xs:
        raise SystemExit(f"no {name}R??.npz in {data_dir}")
    M = inverse_sqrt(np.concatenate(covs).mean(axis=0))
    return np.matmul(M, np.concatenate(xs)).astype(np.float32), np.concatenate(ys)


def predict(model, X, batch=64):
    with torch.no_grad():
        return torch.cat([torch.softmax(model(torch.from_numpy(X[s:s + batch])), 1) for s in range(0, len(X), batch)]).numpy()


def cp(k, n, a=0.05):
    lo = beta.ppf(a / 2, k, n - k + 1) if k > 0 else 0.0
    hi = beta.ppf(1 - a / 2, k + 1, n - k) if k < n else 1.0
    return lo, hi


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("data_dir")
    ap.add_argument("--onnx-out", help="also write <dir>/float.onnx and <dir>/int8.onnx (for pipeline bench model)")
    a = ap.parse_args()
    torch.set_num_threads(1)

    model, ck = export.load_checkpoint(a.checkpoint)
    channels = ck["meta"]["channel_labels"]
    test = list(ck["metrics"]["held_out"])
    everyone = sorted({os.path.basename(p)[:4] for p in glob.glob(os.path.join(a.data_dir, "S???R??.npz"))})
    train = [s for s in everyone if s not in test]
    scale = float(ck.get("cfg", {}).get("scale", 1.0))  # the training's input scale (1.0 unless its config set one)
    fast = export_layout.FastDBConformer(model).eval()

    calib = np.concatenate([subject(a.data_dir, s, channels)[0] for s in train]) * scale
    params = quantize.calibrate(fast, calib)
    q = quantize.emulate(fast, params)
    if a.onnx_out:
        os.makedirs(a.onnx_out, exist_ok=True)
        f_path = os.path.join(a.onnx_out, "float.onnx")
        export.export_onnx(model, f_path, layout="fast")
        quantize.quantize_onnx(f_path, fast, params, os.path.join(a.onnx_out, "int8.onnx"))

    print(f"checkpoint {a.checkpoint}: fold {ck['metrics'].get('fold')}, held out {', '.join(test)}; "
          f"int8 calibrated on {len(calib)} aligned trials of {len(train)} training subjects")
    print(f"{'subject':8} {'trials':>6} {'float':>22} {'int8':>22} {'differ':>6} {'max |dp|':>9}")
    tot = {"n": 0, "f": 0, "q": 0, "d": 0, "dp": 0.0}
    for s in test:
        X, y = subject(a.data_dir, s, channels)
        pf, pq = predict(fast, X * scale), predict(q, X * scale)
        kf, kq = int((pf.argmax(1) == y).sum()), int((pq.argmax(1) == y).sum())
        d, dp = int((pf.argmax(1) != pq.argmax(1)).sum()), float(np.abs(pf - pq).max())
        n = len(y)
        lf, hf = cp(kf, n)
        lq, hq = cp(kq, n)
        print(f"{s:8} {n:>6} {kf / n:>6.3f} [{lf:.3f}, {hf:.3f}] {kq / n:>6.3f} [{lq:.3f}, {hq:.3f}] {d:>6} {dp:>9.4f}")
        for k, v in (("n", n), ("f", kf), ("q", kq), ("d", d)):
            tot[k] += v
        tot["dp"] = max(tot["dp"], dp)
    n = tot["n"]
    lf, hf = cp(tot["f"], n)
    lq, hq = cp(tot["q"], n)
    print(f"{'pooled':8} {n:>6} {tot['f'] / n:>6.3f} [{lf:.3f}, {hf:.3f}] {tot['q'] / n:>6.3f} [{lq:.3f}, {hq:.3f}] "
          f"{tot['d']:>6} {tot['dp']:>9.4f}")
    print(f"int8 - float: {100 * (tot['q'] - tot['f']) / n:+.2f} points ({tot['q'] - tot['f']:+d} of {n} trials); "
          f"decisions differ on {tot['d']} trials ({100 * tot['d'] / n:.2f} %)")


if __name__ == "__main__":
    main()
