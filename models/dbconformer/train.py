"""Train DBConformer on epochs written by `pipeline epochs` (.npz), with a CSP+LDA baseline.

    /usr/bin/python3 models/dbconformer/train.py epochs.npz --split chronological --test-fraction 0.2 \
        --out models/dbconformer/runs/mi

    /usr/bin/python3 models/dbconformer/train.py a.npz b.npz --test c.npz --out runs/abc

Writes <out>/checkpoint.pt (weights, model config, Euclidean-alignment matrix R^-1/2, data
metadata, metrics) and <out>/metrics.json. Export with export.py.
"""
import argparse
import hashlib
import json
import math
import os
import shlex
import sys
import time

import numpy as np
import scipy.linalg
import torch
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import DBConformer, count_parameters, default_patch  # noqa: E402

KEYS = ("X", "y", "class_names", "markers", "channel_labels", "rate", "tmin", "tmax", "band",
        "notch", "onsets", "source")


# ---------------------------------------------------------------------------- data

def load_epochs(path):
    """Load one `pipeline epochs` file into a dict of numpy / python values."""
    with np.load(path, allow_pickle=False) as z:
        missing = [k for k in KEYS if k not in z.files]
        if missing:
            raise SystemExit(f"{path}: missing keys {missing}")
        d = {k: z[k] for k in KEYS}
    X, y = d["X"].astype(np.float32), d["y"].astype(np.int64)
    if X.ndim != 3 or y.shape != (X.shape[0],) or d["onsets"].shape != (X.shape[0],):
        raise SystemExit(f"{path}: X must be [n, channels, samples] and y, onsets [n]; "
                         f"got X {X.shape}, y {y.shape}, onsets {d['onsets'].shape}")
    k = len(d["class_names"])
    if len(y) and (y.min() < 0 or y.max() >= k):
        raise SystemExit(f"{path}: y outside 0..{k - 1}")
    if X.shape[1] != len(d["channel_labels"]):
        raise SystemExit(f"{path}: {X.shape[1]} channels in X but {len(d['channel_labels'])} labels")
    return dict(path=path, X=X, y=y, onsets=d["onsets"].astype(np.float64),
                class_names=[str(s) for s in d["class_names"]],
                markers=[str(s) for s in d["markers"]],
                channel_labels=[str(s) for s in d["channel_labels"]],
                rate=float(d["rate"]), tmin=float(d["tmin"]), tmax=float(d["tmax"]),
                band=[float(b) for b in d["band"]], notch=float(d["notch"]),
                source=str(d["source"]))


def describe(d):
    return dict(channel_labels=d["channel_labels"], rate=d["rate"], samples=d["X"].shape[2],
                class_names=d["class_names"], markers=d["markers"], tmin=d["tmin"],
                tmax=d["tmax"], band=["none" if math.isnan(b) else b for b in d["band"]],
                notch=d["notch"])


def check_compatible(sets):
    """All files must agree on channels, rate, shape, classes and preprocessing."""
    ref = describe(sets[0])
    for d in sets[1:]:
        other = describe(d)
        diff = [f"{k}: {ref[k]!r} in {sets[0]['path']} but {other[k]!r} in {d['path']}"
                for k in ref if ref[k] != other[k]]
        if diff:
            raise SystemExit("epoch files disagree:\n  " + "\n  ".join(diff))


def chronological_split(d, fraction):
    """Last `fraction` of the epochs of one file (by onset time) go to the test set."""
    order = np.argsort(d["onsets"], kind="stable")
    n_test = int(round(fraction * len(order)))
    return order[:len(order) - n_test], order[len(order) - n_test:]


def stratified_split(y, fraction, seed):
    """Random stratified split of indices into (fit, validation)."""
    rng = np.random.RandomState(seed)
    fit, val = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_val = int(round(fraction * len(idx))) if len(idx) > 1 else 0
        val.extend(idx[:n_val])
        fit.extend(idx[n_val:])
    return np.sort(np.array(fit, dtype=int)), np.sort(np.array(val, dtype=int))


# ---------------------------------------------------------------------------- alignment

def covariances(X):
    """Per-epoch covariance like np.cov: centre each channel, divide by T-1. [n, C, C] float64."""
    Xc = X.astype(np.float64) - X.mean(axis=2, keepdims=True)
    return np.einsum("nct,ndt->ncd", Xc, Xc) / (X.shape[2] - 1)


def inverse_sqrt(R, rel_floor=1e-8):
    """R^-1/2 by symmetric eigendecomposition, eigenvalues floored at rel_floor * max."""
    w, V = np.linalg.eigh((R + R.T) / 2)
    w = np.maximum(w, rel_floor * w.max())
    return (V * w ** -0.5) @ V.T


def euclidean_alignment_matrix(X):
    """R^-1/2 with R the mean covariance of the given (training) epochs; float32 [C, C]."""
    return inverse_sqrt(covariances(X).mean(axis=0)).astype(np.float32)


def align(X, W):
    return np.matmul(W.astype(np.float64), X.astype(np.float64)).astype(np.float32)


# ---------------------------------------------------------------------------- CSP + LDA

class CspLda:
    """CSP (generalised eigenproblem, one-vs-rest beyond 2 classes) + log-variance + LDA."""

    def __init__(self, n_filters=6):
        self.n_filters = n_filters

    def _filters(self, Ca, Cb, n):
        B = Ca + Cb
        B = B + 1e-6 * np.trace(B) / len(B) * np.eye(len(B))
        _, V = scipy.linalg.eigh(Ca, B)            # ascending eigenvalues
        half = n // 2
        return np.concatenate([V[:, :n - half], V[:, len(V) - half:]], axis=1)

    def _features(self, X):
        Z = np.einsum("cf,nct->nft", self.W, X.astype(np.float64))
        v = Z.var(axis=2)
        return np.log(v / v.sum(axis=1, keepdims=True))

    def fit(self, X, y):
        C = covariances(X)
        C = C / np.trace(C, axis1=1, axis2=2)[:, None, None]
        classes = np.unique(y)
        n = min(self.n_filters, X.shape[1])
        means = {c: C[y == c].mean(axis=0) for c in classes}
        if len(classes) == 2:
            self.W = self._filters(means[classes[0]], means[classes[1]], n)
        else:
            rest = {c: C[y != c].mean(axis=0) for c in classes}
            self.W = np.concatenate([self._filters(means[c], rest[c], n) for c in classes], axis=1)
        self.lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
        self.lda.fit(self._features(X), y)
        return self

    def predict(self, X):
        return self.lda.predict(self._features(X))


# ---------------------------------------------------------------------------- training

def seed_everything(seed):
    np.random.seed(seed)
    torch.manual_seed(seed)


def evaluate(model, X, y, batch=256):
    model.eval()
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    total, correct, preds = 0.0, 0, []
    with torch.no_grad():
        for i in range(0, len(X), batch):
            xb, yb = torch.from_numpy(X[i:i + batch]), torch.from_numpy(y[i:i + batch])
            logits = model(xb)
            total += loss_fn(logits, yb).item()
            p = logits.argmax(dim=1)
            correct += (p == yb).sum().item()
            preds.append(p.numpy())
    n = max(len(X), 1)
    return total / n, correct / n, (np.concatenate(preds) if preds else np.zeros(0, int))


def fit(model, Xf, yf, Xv, yv, args):
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)
    Xf_t, yf_t = torch.from_numpy(Xf), torch.from_numpy(yf)
    best = dict(loss=float("inf"), epoch=0, state=None, val_acc=None)
    stale = 0
    for epoch in range(1, args.max_epochs + 1):
        model.train()
        t0, seen, loss_sum, correct = time.time(), 0, 0.0, 0
        perm = torch.randperm(len(Xf), generator=gen)
        for i in range(0, len(perm), args.batch):
            idx = perm[i:i + args.batch]
            if len(idx) < 2:            # BatchNorm needs more than one epoch per batch
                continue
            xb, yb = Xf_t[idx], yf_t[idx]
            opt.zero_grad()
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            opt.step()
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(dim=1) == yb).sum().item()
        line = (f"epoch {epoch:3d}/{args.max_epochs}  loss {loss_sum / max(seen, 1):.4f}  "
                f"acc {correct / max(seen, 1):.3f}")
        if len(Xv):
            vloss, vacc, _ = evaluate(model, Xv, yv)
            line += f"  val_loss {vloss:.4f}  val_acc {vacc:.3f}"
            if vloss < best["loss"]:
                best.update(loss=vloss, epoch=epoch, val_acc=vacc,
                            state={k: v.clone() for k, v in model.state_dict().items()})
                stale = 0
                line += "  *"
            else:
                stale += 1
        print(line + f"  ({time.time() - t0:.1f}s)", flush=True)
        if len(Xv) and stale >= args.patience:
            print(f"early stop: no val_loss improvement for {args.patience} epochs", flush=True)
            break
    if best["state"] is not None:
        model.load_state_dict(best["state"])
    else:
        best.update(epoch=epoch)
    return dict(best_epoch=best["epoch"], epochs_run=epoch,
                val_loss=None if best["state"] is None else best["loss"],
                val_accuracy=best["val_acc"])


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def confusion(y, p, k):
    m = np.zeros((k, k), dtype=int)
    for a, b in zip(y, p):
        m[a, b] += 1
    return m.tolist()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("train", nargs="+", help="training .npz file(s) from `pipeline epochs`")
    ap.add_argument("--test", help="separate test .npz")
    ap.add_argument("--split", choices=["none", "chronological"], default="none",
                    help="hold out the last --test-fraction of each training file (by onset)")
    ap.add_argument("--test-fraction", type=float, default=0.2)
    ap.add_argument("--val-fraction", type=float, default=0.2,
                    help="stratified validation split of the training data, for early stopping")
    ap.add_argument("--out", required=True, help="output folder (checkpoint.pt, metrics.json)")
    ap.add_argument("--max-epochs", type=int, default=100)
    ap.add_argument("--patience", type=int, default=20)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--depth", type=int, default=2, help="transformer blocks per branch")
    ap.add_argument("--patch", type=int, default=0,
                    help="patch width W in samples (0: 125 at 250 Hz, 128 at 512 Hz, else rate/2)")
    ap.add_argument("--crop", choices=["auto", "yes", "no"], default="auto",
                    help="drop the last sample before patching (auto: no when the samples are a "
                         "multiple of the patch, as 750 = 6*125; else yes, as 1001 = 8*125+1)")
    args = ap.parse_args(argv)
    if args.test and args.split != "none":
        ap.error("use either --test or --split, not both")
    command = shlex.join([sys.executable] + (sys.argv if argv is None else [sys.argv[0]] + argv))

    torch.set_num_threads(args.threads)
    seed_everything(args.seed)

    sets = [load_epochs(p) for p in args.train]
    test_set = load_epochs(args.test) if args.test else None
    check_compatible(sets + ([test_set] if test_set else []))
    ref = sets[0]

    parts_tr, parts_te = [], []
    for d in sets:
        if args.split == "chronological":
            tr, te = chronological_split(d, args.test_fraction)
            parts_tr.append((d["X"][tr], d["y"][tr]))
            parts_te.append((d["X"][te], d["y"][te]))
        else:
            parts_tr.append((d["X"], d["y"]))
    if test_set:
        parts_te.append((test_set["X"], test_set["y"]))
    Xtr = np.concatenate([p[0] for p in parts_tr])
    ytr = np.concatenate([p[1] for p in parts_tr])
    Xte = np.concatenate([p[0] for p in parts_te]) if parts_te else Xtr[:0]
    yte = np.concatenate([p[1] for p in parts_te]) if parts_te else ytr[:0]
    if len(Xtr) < 4:
        raise SystemExit(f"only {len(Xtr)} training epochs")
    k = len(ref["class_names"])
    C, T = Xtr.shape[1:]

    # Euclidean alignment: reference from the training epochs only, applied to everything.
    W = euclidean_alignment_matrix(Xtr)
    Xtr, Xte = align(Xtr, W), align(Xte, W)

    fit_idx, val_idx = stratified_split(ytr, args.val_fraction, args.seed)
    print(f"data: {len(Xtr)} train ({len(fit_idx)} fit + {len(val_idx)} val), {len(Xte)} test; "
          f"{C} channels x {T} samples at {ref['rate']:g} Hz; classes {ref['class_names']}",
          flush=True)

    patch = args.patch or default_patch(ref["rate"])
    crop = args.crop == "yes" or (args.crop == "auto" and (T % patch != 0))
    model = DBConformer(channels=C, samples=T, classes=k, depth=args.depth, patch=patch,
                        crop_last=crop)
    used = T - (1 if crop else 0)
    if used % patch:
        print(f"note: {used} samples are not a multiple of patch {patch}; "
              f"the last {used % patch} are ignored by the pooling", flush=True)
    print(f"DBConformer: {count_parameters(model):,} parameters, patch {patch}, "
          f"{model.temporal.patches} patches{', last sample cropped' if crop else ''}, "
          f"depth {args.depth}", flush=True)

    history = fit(model, Xtr[fit_idx], ytr[fit_idx], Xtr[val_idx], ytr[val_idx], args)
    _, train_acc, _ = evaluate(model, Xtr, ytr)
    metrics = dict(dbconformer=dict(train_accuracy=train_acc, **history),
                   csp_lda=dict(train_accuracy=None, test_accuracy=None),
                   n_train=int(len(Xtr)), n_fit=int(len(fit_idx)), n_val=int(len(val_idx)),
                   n_test=int(len(Xte)), split=("file" if test_set else args.split),
                   test_fraction=(args.test_fraction if args.split == "chronological" else None),
                   seed=args.seed)

    csp = CspLda().fit(Xtr, ytr)
    metrics["csp_lda"]["train_accuracy"] = float((csp.predict(Xtr) == ytr).mean())
    if len(Xte):
        _, test_acc, pred = evaluate(model, Xte, yte)
        pred_csp = csp.predict(Xte)
        metrics["dbconformer"].update(test_accuracy=test_acc, confusion=confusion(yte, pred, k))
        metrics["csp_lda"].update(test_accuracy=float((pred_csp == yte).mean()),
                                  confusion=confusion(yte, pred_csp, k))
        print(f"test accuracy (n={len(Xte)}): DBConformer {test_acc:.3f}   "
              f"CSP+LDA {metrics['csp_lda']['test_accuracy']:.3f}", flush=True)
    else:
        metrics["dbconformer"]["test_accuracy"] = None
        print("no test set (use --test or --split chronological)", flush=True)

    files = list(args.train) + ([args.test] if args.test else [])
    meta = dict(class_names=ref["class_names"], markers=ref["markers"],
                channel_labels=ref["channel_labels"], rate=ref["rate"], samples=int(T),
                tmin=ref["tmin"], tmax=ref["tmax"], band=ref["band"], notch=ref["notch"],
                sources=[d["source"] for d in sets] + ([test_set["source"]] if test_set else []),
                data=files, data_sha256={p: sha256(p) for p in files}, command=command,
                torch=torch.__version__, parameters=count_parameters(model))
    os.makedirs(args.out, exist_ok=True)
    torch.save(dict(config=model.config, state_dict=model.state_dict(), alignment=W,
                    meta=meta, metrics=metrics), os.path.join(args.out, "checkpoint.pt"))
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(dict(metrics, command=command, data=files), f, indent=2)
    print(f"wrote {os.path.join(args.out, 'checkpoint.pt')} and metrics.json", flush=True)
    return metrics


if __name__ == "__main__":
    main()
