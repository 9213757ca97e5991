"""Euclidean alignment (EA): the offline per-subject form and the online form the runtime runs.

This file is the Python reference of the rule in models/README.md ("Online Euclidean alignment");
the C# runtime must give the same aligned windows within 1e-4 (parity file
models/dbconformer/online-ea.golden.json, written by `python3 alignment.py --golden PATH`).

Rule (float64 arithmetic, float32 windows in and out):
  C_n   = X_n X_n^T / T                      covariance of window n (no mean removal: band-passed data)
  R_n   = (w0 * P + sum_{i<=n} C_i) / (w0 + n)  running reference after n accepted windows
  M_n   = V diag(max(l, eps * l_max)^-1/2) V^T  with R_n = V diag(l) V^T (symmetric eigendecomposition)
  Y_n   = M_n X_n                            window n is added FIRST, then aligned with M_n
  guards: a window with a non-finite value is neither added nor aligned (status "skipped", no output);
          if l_max <= 0 or is not finite, the window is aligned with the last good M (identity before
          any) and counted ("guarded"); a flat channel gives a zero row/column that the floor keeps finite.
  P = population reference (card `reference`), w0 = card `warmup`, eps = card `eigenFloor`.
  Seeding from a calibration recording: P := its mean window covariance, w0 := its number of windows.
"""
import argparse
import base64
import json
import os

import numpy as np

DEFAULT_EIGEN_FLOOR = 1e-6


def window_covariance(X):
    """C = X X^T / T in float64 for one window [C, T] or a stack [n, C, T]."""
    X = np.asarray(X, dtype=np.float64)
    return np.matmul(X, np.swapaxes(X, -1, -2)) / X.shape[-1]


def inverse_sqrt(R, eigen_floor=DEFAULT_EIGEN_FLOOR):
    """R^-1/2 with eigenvalues floored at eigen_floor * l_max; None when l_max <= 0 or not finite."""
    R = np.asarray(R, dtype=np.float64)
    l, V = np.linalg.eigh((R + R.T) / 2)
    top = l[-1]
    if not np.isfinite(top) or top <= 0:
        return None
    l = np.maximum(l, eigen_floor * top)
    return (V * l ** -0.5) @ V.T


class OnlineAlignment:
    """Online EA over a sequence of windows, exactly as specified above."""

    def __init__(self, channels, reference=None, warmup=0.0, eigen_floor=DEFAULT_EIGEN_FLOOR):
        self.channels = channels
        self.eigen_floor = float(eigen_floor)
        self.total = np.zeros((channels, channels))
        self.weight = 0.0
        if reference is not None and warmup > 0:
            self.total = float(warmup) * np.asarray(reference, dtype=np.float64)
            self.weight = float(warmup)
        self.matrix = np.eye(channels)        # last good M (identity before any)
        self.accepted = self.skipped = self.guarded = 0

    def seed(self, reference, count):
        """Start from a calibration recording: P := its mean window covariance, w0 := its window count."""
        self.total = float(count) * np.asarray(reference, dtype=np.float64)
        self.weight = float(count)

    def reference(self):
        return self.total / self.weight if self.weight > 0 else None

    def add(self, X):
        """Adds window X [C, T] to the reference and returns (M_n, status); M_n is None when skipped."""
        X = np.asarray(X)
        if not np.all(np.isfinite(X)):
            self.skipped += 1
            return None, "skipped"
        self.total += window_covariance(X)
        self.weight += 1.0
        self.accepted += 1
        M = inverse_sqrt(self.total / self.weight, self.eigen_floor)
        if M is None:
            self.guarded += 1
            return self.matrix, "guarded"
        self.matrix = M
        return M, "ok"

    def step(self, X):
        """Adds then aligns one window: returns (Y float32 [C, T] or None when skipped, status)."""
        M, status = self.add(X)
        if M is None:
            return None, status
        return (M @ np.asarray(X, dtype=np.float64)).astype(np.float32), status


def subject_reference(windows):
    """Offline EA reference of one subject: the mean covariance of its windows [n, C, T] (float64)."""
    return window_covariance(windows).mean(axis=0)


# ---------------------------------------------------------------------------- parity golden file

def _tensor(a, dtype="<f4"):
    a = np.ascontiguousarray(a, dtype=dtype)
    return {"shape": list(a.shape), "dtype": "float32" if dtype == "<f4" else "float64",
            "data": base64.b64encode(a.tobytes()).decode("ascii")}


def _case(name, windows, reference, warmup, eigen_floor, note, seed_from=None):
    ea = OnlineAlignment(windows.shape[1], reference, warmup, eigen_floor)
    if seed_from is not None:
        ea.seed(subject_reference(seed_from), len(seed_from))
    out, status, matrices = np.zeros_like(windows), [], []
    for i, X in enumerate(windows):
        Y, s = ea.step(X)
        status.append(s)
        matrices.append(ea.matrix if s != "skipped" else np.full_like(ea.matrix, np.nan))
        out[i] = 0.0 if Y is None else Y
    case = {"name": name, "note": note,
            "reference": None if reference is None else np.asarray(reference, np.float64).tolist(),
            "warmup": float(warmup), "eigenFloor": eigen_floor,
            "windows": _tensor(windows), "expected": _tensor(out), "status": status,
            "accepted": ea.accepted, "skipped": ea.skipped, "guarded": ea.guarded,
            "matrices": _tensor(np.array(matrices), "<f8")}
    if seed_from is not None:
        case["seed"] = {"windows": _tensor(seed_from), "reference": subject_reference(seed_from).tolist(),
                        "count": len(seed_from)}
    return case


def golden(seed=0, channels=8, samples=64, count=30):
    """Three window sequences that exercise the whole rule (see the notes in each case)."""
    rng = np.random.RandomState(seed)
    mix = rng.randn(channels, channels)               # correlated channels with unequal power

    def windows(n):
        return np.matmul(mix, rng.randn(n, channels, samples) * 10).astype(np.float32)

    # Case 1: population reference, flat channel 7 throughout, rank-deficient start (channel 3 = channel 2
    # for the first 5 windows), one window with a NaN (skipped) and one all-zero window (finite: added).
    a = windows(count)
    a[:, 7, :] = 0.0
    a[:5, 3, :] = a[:5, 2, :]
    a[12, 4, 17] = np.nan
    a[20] = 0.0
    P = window_covariance(windows(50)).mean(axis=0)
    c1 = _case("population-reference", a, P, 20.0, DEFAULT_EIGEN_FLOOR,
               "P and w0 = 20 from the card; channel 7 flat in every window; channel 3 duplicates channel 2 "
               "in windows 0-4; window 12 has a NaN (skipped: no output, not added); window 20 is all zeros "
               "(added, aligned normally)")

    # Case 2: no reference (w0 = 0): the first window is all zeros, so R_1 = 0 -> guarded with the identity;
    # then a rank-1 start (all channels equal), flat channel 5 for a while, a skipped window, then normal.
    b = windows(20)
    b[0] = 0.0
    b[1:4] = b[1:4, :1, :]
    b[4:10, 5, :] = 0.0
    b[7, 0, 0] = np.inf
    c2 = _case("plain-running-mean", b, None, 0.0, DEFAULT_EIGEN_FLOOR,
               "no population reference: window 0 all zeros -> l_max = 0 -> guarded, aligned with the identity "
               "(output zeros); windows 1-3 rank 1 (every channel the same), floored eigenvalues; channel 5 "
               "flat in windows 4-9; window 7 has +inf (skipped)")

    # Case 3: seeded from a calibration recording (P := its mean window covariance, w0 := its count),
    # with a larger eigenvalue floor.
    cal = windows(12)
    c3 = _case("calibration-seed", windows(16), None, 0.0, 1e-3,
               "seeded: P := mean covariance of the 12 calibration windows in `seed`, w0 := 12; eigenFloor 1e-3",
               seed_from=cal)
    return {
        "format": "pipeline-online-ea-golden/1",
        "rule": "C_n = X X^T / T; R_n = (w0 P + sum C_i) / (w0 + n); add window n THEN align it: "
                "Y_n = V diag(max(l, eps l_max)^-1/2) V^T X_n; non-finite window: skipped (not added, no output); "
                "l_max <= 0 or not finite: aligned with the last good matrix (identity before any), counted as "
                "guarded. float64 arithmetic; windows and outputs float32.",
        "encoding": "each tensor: shape, dtype, data = base64 of little-endian values (float32 or float64), "
                    "row-major; windows [n, C, T], expected [n, C, T] (zeros where status is skipped), "
                    "matrices [n, C, C] = M_n used for window n (NaN where skipped)",
        "tolerance": {"abs": 1e-4},
        "cases": [c1, c2, c3],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", required=True, help="write the parity JSON here")
    args = ap.parse_args()
    g = golden()
    with open(args.golden, "w") as f:
        json.dump(g, f)
    for c in g["cases"]:
        print(f"{c['name']}: {len(c['status'])} windows, accepted {c['accepted']}, skipped {c['skipped']}, "
              f"guarded {c['guarded']}")
    print(f"wrote {args.golden} ({os.path.getsize(args.golden):,} bytes)")


if __name__ == "__main__":
    main()
