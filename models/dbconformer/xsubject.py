"""Cross-subject motor-imagery decoding on EEGMMIDB: data, alignment, models, training, statistics.

Used by loso.py (leave-subjects-out evaluation), train_xsubject.py (the shipped model) and
finetune.py (calibration with a new person's first run). The data comes from
eegmmidb_prepare.py, i.e. from the C# `pipeline epochs` verb (causal 8-30 Hz, 160 Hz).

Conventions
- A trial is the window [cue + 0.5 s, cue + 3.5 s): 480 samples at 160 Hz (T1 = left, T2 = right).
- Windows of a run are the runtime's sliding windows: 480 samples every 40 samples (0.25 s), from the
  first sample of the run.
- Each subject is aligned with its OWN reference (Euclidean alignment, per subject): by default the
  mean covariance X X^T / T of all its sliding windows (rest, cue and in between: what an online
  session converges to), `ref="trials"` uses the trial windows only.
"""
import glob
import math
import os
import time

import numpy as np
import scipy.stats
import torch
from torch import nn

from alignment import DEFAULT_EIGEN_FLOOR, OnlineAlignment, inverse_sqrt, window_covariance
from model import DBConformer
from eegnet import EEGNet

SUBJECTS = [f"S{i:03d}" for i in range(1, 20)]
# Fixed outer folds: subject i (1-based) goes to fold (i - 1) mod 5. Every subject is tested once.
FOLDS = [[s for i, s in enumerate(SUBJECTS) if i % 5 == k] for k in range(5)]
# The 21 sensorimotor channels of the 10-10 montage (the first 21 of the EEGMMIDB files).
MOTOR = ["FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
         "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6"]
RATE, TMIN, LENGTH, HOP = 160.0, 0.5, 480, 40


def inner_validation(train_subjects, k=3):
    """The validation subjects of an outer fold: k training subjects picked by a fixed rule (every
    5th of the sorted list starting at the 3rd), never a test subject."""
    s = sorted(train_subjects)
    return [s[i] for i in range(2, len(s), 5)][:k]


# ---------------------------------------------------------------------------- data

class Run:
    def __init__(self, subject, run, signal, onsets, y, labels):
        self.subject, self.run, self.signal, self.onsets, self.y, self.labels = subject, run, signal, onsets, y, labels
        self.starts = np.round((onsets + TMIN) * RATE).astype(int)     # trial start samples

    def trials(self, shift=0):
        return np.stack([self.signal[:, s + shift:s + shift + LENGTH] for s in self.starts])

    def window_starts(self):
        return np.arange(0, self.signal.shape[1] - LENGTH + 1, HOP)


def load_data(data_dir, channels=None, subjects=SUBJECTS):
    """{subject: [Run ...]} in chronological run order; channels: None (all 64) or a list of labels."""
    out = {}
    for s in subjects:
        runs = []
        for path in sorted(glob.glob(os.path.join(data_dir, f"{s}R??.npz"))):
            e = np.load(path)
            c = np.load(path[:-4] + "-continuous.npz")
            labels = [str(x) for x in e["channel_labels"]]
            sig = c["X"][0]
            if channels is not None:
                sig = sig[[labels.index(ch) for ch in channels]]
                labels = list(channels)
            runs.append(Run(s, os.path.basename(path)[4:7], np.ascontiguousarray(sig, dtype=np.float32),
                            e["onsets"].astype(np.float64), e["y"].astype(np.int64), labels))
        if not runs:
            raise SystemExit(f"no epochs of {s} in {data_dir}; run eegmmidb_prepare.py first")
        out[s] = runs
    return out


def load_files(paths, channels=None, pattern=r"S\d{3}"):
    """{subject: [Run ...]} from `pipeline epochs` files (trials, T1/T2 or any two classes), grouped by the
    subject id that `pattern` finds in each file name. A file `<name>-continuous.npz` beside `<name>.npz`
    (the whole filtered run, see eegmmidb_prepare.py) gives the sliding windows and time shifts; without
    it the run is made of its trials only (reference = mean trial covariance, no time shifts)."""
    import re
    import train
    sets = [train.load_epochs(p) for p in paths]
    train.check_compatible(sets)
    if sets[0]["X"].shape[2] != LENGTH or sets[0]["rate"] != RATE:
        raise SystemExit(f"epochs must be {LENGTH} samples at {RATE:g} Hz (got {sets[0]['X'].shape[2]} at "
                         f"{sets[0]['rate']:g}); cut them with --tmin 0.5 --tmax 3.5 at 160 Hz")
    out = {}
    for p, d in zip(paths, sets):
        m = re.search(pattern, os.path.basename(p))
        if not m:
            raise SystemExit(f"{p}: no subject id matching {pattern!r} in the file name")
        labels = d["channel_labels"]
        idx = list(range(len(labels))) if channels is None else [labels.index(c) for c in channels]
        cont = p[:-4] + "-continuous.npz"
        if os.path.isfile(cont):
            sig = np.load(cont)["X"][0][idx]
            run = Run(m.group(0), os.path.basename(p), np.ascontiguousarray(sig, np.float32), d["onsets"],
                      d["y"], [labels[i] for i in idx])
            if not np.array_equal(run.trials(), d["X"][:, idx]):
                raise SystemExit(f"{cont} does not match the trials of {p}")
        else:
            run = TrialRun(m.group(0), os.path.basename(p), d["X"][:, idx], d["onsets"], d["y"],
                           [labels[i] for i in idx])
        out.setdefault(m.group(0), []).append(run)
    for runs in out.values():
        runs.sort(key=lambda r: r.run)
    return out


class TrialRun(Run):
    """A run known only by its trials: the 'signal' is the trials end to end; no sliding windows."""

    def __init__(self, subject, run, X, onsets, y, labels):
        n, c, t = X.shape
        super().__init__(subject, run, np.ascontiguousarray(X.transpose(1, 0, 2).reshape(c, n * t), np.float32),
                         np.asarray(onsets, np.float64), np.asarray(y, np.int64), labels)
        self.starts = np.arange(n) * t
        self.continuous = False


Run.continuous = True


def channel_set(name):
    return None if name == "all" else MOTOR


def block_covariances(signal, block=HOP):
    """Covariances (sum of outer products) of consecutive blocks of `block` samples, float64."""
    n = signal.shape[1] // block
    B = signal[:, :n * block].astype(np.float64).reshape(signal.shape[0], n, block).transpose(1, 0, 2)
    return np.matmul(B, B.transpose(0, 2, 1))


def run_window_covariances(run):
    """C_n = X_n X_n^T / T of every sliding window of a run, [n, C, C] (exact sums of 40-sample blocks)."""
    blocks = block_covariances(run.signal)
    k = LENGTH // HOP
    cs = np.concatenate([np.zeros((1,) + blocks.shape[1:]), np.cumsum(blocks, axis=0)])
    n = len(run.window_starts())
    return (cs[k:k + n] - cs[:n]) / LENGTH


def subject_reference(runs, ref="windows"):
    if ref == "windows" and all(r.continuous for r in runs):
        covs = np.concatenate([run_window_covariances(r) for r in runs])
    else:
        covs = np.concatenate([window_covariance(r.trials()) for r in runs])
    return covs.mean(axis=0)


def online_trial_matrices(runs, P, warmup, eigen_floor=DEFAULT_EIGEN_FLOOR, carry=True, seed=None, prior="fixed"):
    """Online EA over the runs' sliding windows in chronological order (no labels). For each trial,
    the alignment matrix M in force when its window ends (all sliding windows ending at or before the
    trial's last sample have been added). carry: one session over all runs; else restart per run.
    seed: (R_cal, n_cal) to start from a calibration recording instead of P.
    prior: "fixed" = the runtime's rule, R_n = (w0 P + sum C_i) / (w0 + n); "scaled" = a studied variant
    (online_rules.py) whose prior keeps P's shape but takes the person's power:
    R_n = (w0 s_n P + sum C_i) / (w0 + n) with s_n = tr(sum C_i / n) / tr(P)."""
    if prior == "scaled":
        return _online_trial_matrices_scaled(runs, P, warmup, eigen_floor, carry)
    if prior != "fixed":
        raise ValueError(f"unknown prior {prior!r}")
    mats, ea = [], None
    for r in runs:
        if ea is None or not carry:
            ea = OnlineAlignment(r.signal.shape[0], P, warmup, eigen_floor)
            if seed is not None:
                ea.seed(*seed)
        covs = run_window_covariances(r)
        ends = r.window_starts() + LENGTH
        n_added = 0
        for s in r.starts:
            end = s + LENGTH
            while n_added < len(ends) and ends[n_added] <= end:
                ea.total += covs[n_added]
                ea.weight += 1.0
                n_added += 1
            M = inverse_sqrt(ea.total / ea.weight, eigen_floor) if ea.weight > 0 else None
            mats.append(np.eye(r.signal.shape[0]) if M is None else M)
        for i in range(n_added, len(ends)):              # the rest of the run feeds the next run's start
            ea.total += covs[i]
            ea.weight += 1.0
    return np.array(mats)


def _online_trial_matrices_scaled(runs, P, warmup, eigen_floor, carry):
    """online_trial_matrices with the power-scaled prior (see there)."""
    P = np.asarray(P, dtype=np.float64)
    trP = float(np.trace(P))
    mats, own, n, C = [], None, 0, runs[0].signal.shape[0]

    def matrix():
        if n == 0:
            return np.eye(C)
        R = (warmup * (np.trace(own) / n / trP) * P + own) / (warmup + n)
        M = inverse_sqrt(R, eigen_floor)
        return np.eye(C) if M is None else M

    for r in runs:
        if own is None or not carry:
            own, n = np.zeros((C, C)), 0
        covs = run_window_covariances(r)
        ends = r.window_starts() + LENGTH
        n_added = 0
        for s in r.starts:
            while n_added < len(ends) and ends[n_added] <= s + LENGTH:
                own += covs[n_added]
                n += 1
                n_added += 1
            mats.append(matrix())
        own += covs[n_added:].sum(axis=0)
        n += len(ends) - n_added
    return np.array(mats)


def online_window_matrices(run, P, warmup, eigen_floor=DEFAULT_EIGEN_FLOOR):
    """M_n for every sliding window of one run (online EA from P, as `pipeline replay` of the run alone)."""
    ea = OnlineAlignment(run.signal.shape[0], P, warmup, eigen_floor)
    out = []
    for C in run_window_covariances(run):
        ea.total += C
        ea.weight += 1.0
        M = inverse_sqrt(ea.total / ea.weight, eigen_floor)
        out.append(ea.matrix if M is None else M)
        if M is not None:
            ea.matrix = M
    return np.array(out)


class Subject:
    """One subject's runs with its own alignment matrix W = R^-1/2."""

    def __init__(self, name, runs, ref="windows", eigen_floor=DEFAULT_EIGEN_FLOOR):
        self.name, self.runs = name, runs
        self.R = subject_reference(runs, ref)
        self.W = inverse_sqrt(self.R, eigen_floor)

    def trials(self, shift=0):
        return np.concatenate([r.trials(shift) for r in self.runs])

    @property
    def y(self):
        return np.concatenate([r.y for r in self.runs])

    def aligned_trials(self, W=None):
        W = self.W if W is None else W
        return np.matmul(W, self.trials().astype(np.float64)).astype(np.float32)


def aligned_online(subject, P, warmup, eigen_floor=DEFAULT_EIGEN_FLOOR, carry=True, seed=None, runs=None,
                   prior="fixed"):
    runs = subject.runs if runs is None else runs
    M = online_trial_matrices(runs, P, warmup, eigen_floor, carry, seed, prior)
    X = np.concatenate([r.trials() for r in runs]).astype(np.float64)
    return np.matmul(M, X).astype(np.float32), np.concatenate([r.y for r in runs])


def population_reference(subjects):
    """P: the mean over subjects of each subject's mean window covariance."""
    return np.mean([s.R for s in subjects], axis=0)


# ---------------------------------------------------------------------------- classical references

def tangent_features(X):
    """Tangent space at the identity of aligned trials: upper triangle of logm(C), off-diagonal * sqrt 2."""
    C = window_covariance(X)
    l, V = np.linalg.eigh(C)
    L = np.matmul(V * np.log(np.maximum(l, 1e-10))[:, None, :], np.swapaxes(V, 1, 2))
    iu = np.triu_indices(C.shape[1])
    w = np.where(iu[0] == iu[1], 1.0, math.sqrt(2))
    return L[:, iu[0], iu[1]] * w


class TangentLR:
    """Tangent space (at I, after per-subject EA) + L2 logistic regression (C = 1)."""

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression
        self.lr = LogisticRegression(C=1.0, max_iter=5000).fit(tangent_features(X), y)
        return self

    def predict_proba(self, X):
        return self.lr.predict_proba(tangent_features(X))


class CspLdaProba:
    """train.py's CSP (6 filters) + shrinkage LDA, with probabilities."""

    def fit(self, X, y):
        from train import CspLda
        self.m = CspLda().fit(X, y)
        return self

    def predict_proba(self, X):
        return self.m.lda.predict_proba(self.m._features(X))


# ---------------------------------------------------------------------------- networks

DEFAULTS = dict(model="dbconformer", channels="all", epochs=60, lr=1e-3, weight_decay=0.0, schedule="cosine",
                warmup=2, batch=32, shift=0, chdrop=0.0, mix=0.0, patch=80, depth=2, early="none",
                min_epoch=15, patience=0, ref="windows", scale=1.0)


def make_config(**kw):
    unknown = set(kw) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)}")
    return dict(DEFAULTS, **kw)


def build_model(cfg, channels, classes=2):
    if cfg["model"] == "eegnet":
        return EEGNet(channels, LENGTH, classes, RATE)
    return DBConformer(channels=channels, samples=LENGTH, classes=classes, depth=cfg["depth"],
                       patch=cfg["patch"], crop_last=(LENGTH % cfg["patch"] != 0))


class TrainingSet:
    """Trials of several subjects, cut on the fly from the raw continuous signals (so time shifts are
    real data) and aligned with each subject's own W."""

    def __init__(self, subjects):
        self.signals, self.items = [], []
        W = []
        for si, s in enumerate(subjects):
            W.append(s.W)
            for r in s.runs:
                ri = len(self.signals)
                self.signals.append(r.signal)
                for start, label in zip(r.starts, r.y):
                    self.items.append((si, ri, start, label))
        self.items = np.array(self.items, dtype=np.int64)
        self.continuous = np.array([True] * len(self.signals))
        k = 0
        for s in subjects:
            for r in s.runs:
                self.continuous[k] = r.continuous
                k += 1
        self.W = torch.from_numpy(np.array(W, dtype=np.float32))
        self.y = self.items[:, 3]

    def __len__(self):
        return len(self.items)

    def batch(self, idx, rng, cfg):
        items = self.items[idx]
        shifts = rng.randint(-cfg["shift"], cfg["shift"] + 1, len(idx)) if cfg["shift"] else np.zeros(len(idx), int)
        shifts = np.where(self.continuous[items[:, 1]], shifts, 0)     # trial-only runs cannot shift
        ends = np.array([self.signals[ri].shape[1] for ri in items[:, 1]])
        shifts = np.clip(shifts, -items[:, 2], ends - LENGTH - items[:, 2])
        x = torch.from_numpy(np.stack([self.signals[ri][:, st + d:st + d + LENGTH]
                                       for (_, ri, st, _), d in zip(items, shifts)]))
        x = torch.bmm(self.W[items[:, 0]], x)
        if cfg["chdrop"] > 0:
            # Channel dropout on the ALIGNED input (Dropout2d-style: zeroed, the rest scaled by 1 / (1 - p)).
            # Zeroing a raw electrode before alignment instead breaks the cancellations inside R^-1/2 between
            # correlated neighbours: the aligned trial's power grows about 8-fold (std 2.8 vs 1.0), far outside
            # anything seen at test time, and the network learned nothing from such data.
            keep = torch.from_numpy((rng.rand(len(idx), x.shape[1]) >= cfg["chdrop"]).astype(np.float32))
            x = x * keep[:, :, None] / (1 - cfg["chdrop"])
        return x * cfg["scale"], torch.from_numpy(items[:, 3])


def _evaluate(model, X, y, batch=128):
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(torch.from_numpy(X[i:i + batch])) for i in range(0, len(X), batch)])
    p = torch.softmax(logits, 1).numpy()
    loss = float(nn.functional.cross_entropy(logits, torch.from_numpy(y)).item()) if len(y) else float("nan")
    return p, loss, float((p.argmax(1) == y).mean()) if len(y) else float("nan")


def predict_proba(model, X, scale=1.0):
    return _evaluate(model, (X * scale).astype(np.float32), np.zeros(0, np.int64))[0]


def train_network(subjects, cfg, seed, val=None, log=print, init_state=None, freeze_bn=False):
    """Trains one network on `subjects` (list of Subject). val: (X aligned, y) for the curve and for
    early stopping. Returns (model, history)."""
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    data = TrainingSet(subjects)
    model = build_model(cfg, data.signals[0].shape[0])
    if init_state is not None:
        model.load_state_dict(init_state)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    steps_per_epoch = max(1, len(data) // cfg["batch"])
    total = cfg["epochs"] * steps_per_epoch
    warm = cfg["warmup"] * steps_per_epoch

    def lr_at(step):
        if step < warm:
            return cfg["lr"] * (step + 1) / warm
        if cfg["schedule"] == "cosine":
            return cfg["lr"] * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))
        return cfg["lr"]

    by_class = [np.flatnonzero(data.y == c) for c in (0, 1)]
    history, best, step = [], None, 0
    for epoch in range(1, cfg["epochs"] + 1):
        model.train()
        if freeze_bn:
            for m in model.modules():
                if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                    m.eval()
        t0, loss_sum, correct, seen = time.time(), 0.0, 0, 0
        perm = rng.permutation(len(data))
        for i in range(steps_per_epoch):
            idx = perm[i * cfg["batch"]:(i + 1) * cfg["batch"]]
            if len(idx) < 2:
                continue
            x, yb = data.batch(idx, rng, cfg)
            if cfg["mix"] > 0:              # mixing within class: power-preserving blend with a same-class trial
                partner = np.array([rng.choice(by_class[c]) for c in yb.numpy()])
                xp, _ = data.batch(partner, rng, cfg)
                lam = torch.from_numpy(np.where(rng.rand(len(idx)) < cfg["mix"], rng.rand(len(idx)), 1.0)
                                       .astype(np.float32))[:, None, None]
                x = lam.sqrt() * x + (1 - lam).sqrt() * xp
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            opt.zero_grad()
            logits = model(x)
            loss = nn.functional.cross_entropy(logits, yb)
            loss.backward()
            opt.step()
            if hasattr(model, "constrain"):
                model.constrain()
            step += 1
            loss_sum += loss.item() * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            seen += len(idx)
        h = dict(epoch=epoch, loss=loss_sum / max(seen, 1), acc=correct / max(seen, 1), seconds=time.time() - t0)
        if val is not None:
            _, h["val_loss"], h["val_acc"] = _evaluate(model, val[0] * cfg["scale"], val[1])
            if cfg["early"] == "val" and epoch >= cfg["min_epoch"] and (best is None or h["val_loss"] < best[0]):
                best = (h["val_loss"], epoch, {k: v.clone() for k, v in model.state_dict().items()})
        history.append(h)
        log(" ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in h.items()))
    if cfg["early"] == "val" and best is not None:
        model.load_state_dict(best[2])
        log(f"restored epoch {best[1]} (best val_loss {best[0]:.4f} among epochs >= {cfg['min_epoch']})")
    model.eval()
    return model, dict(history=history, best_epoch=best[1] if best else cfg["epochs"])


# ---------------------------------------------------------------------------- statistics

def clopper_pearson(k, n, alpha=0.05):
    lo = 0.0 if k == 0 else scipy.stats.beta.ppf(alpha / 2, k, n - k + 1)
    hi = 1.0 if k == n else scipy.stats.beta.ppf(1 - alpha / 2, k + 1, n - k)
    return lo, hi


def mean_ci(values, alpha=0.05):
    """Mean over subjects with a t-based 95 % interval."""
    v = np.asarray(values, float)
    m, se = v.mean(), v.std(ddof=1) / math.sqrt(len(v))
    h = scipy.stats.t.ppf(1 - alpha / 2, len(v) - 1) * se
    return m, m - h, m + h


def binomial_p(k, n, p0=0.5):
    """One-sided exact binomial test of k correct out of n against chance p0."""
    return float(scipy.stats.binom.sf(k - 1, n, p0))
