"""Export the outer-fold DBConformer models (seed 1) for the online replay of held-out subjects' R12.

    /usr/bin/python3 models/dbconformer/fold_models.py [--folds 0,1,2,3,4]
    /usr/bin/python3 models/dbconformer/fold_models.py --publish 0

For every fold k: models/dbconformer/runs/xsubject/fold-models/f{k}/dbconformer-eegmmidb-lr-f{k}.onnx
(+ .json card with online EA from the fold's own population reference, + .golden.json). The fold's
training excluded its test subjects (xsubject.FOLDS[k]), so `pipeline replay SxxxR12.edf --model ...` of
such a subject is a fair test. `--publish K` copies fold K's model, card and r12.json (no training) to
models/dbconformer/heldout-f{K}/; fold 0 is committed there, and the C# test HeldOutSubjectReplayTests
replays its held-out subjects against it in CI. Beside each model, r12.json holds, for each held-out
subject with an R12:
  - the offline accuracy of the same model on the 15 R12 trials (trial window [cue + 0.5, cue + 3.5 s]),
    with offline EA (R12's own reference: the mean covariance of all its sliding windows) and with the
    online EA the runtime runs (from the card's reference P and warm-up, over R12 alone, no labels);
  - the probabilities of every sliding window of R12 (480 samples every 40, from the first sample) under
    that online EA, with each window's end time, so a replay can be compared window by window;
  - the trial accuracy under three definitions for a sliding-window decoder (see `definitions`).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import xsubject as xs  # noqa: E402
import loso  # noqa: E402

DEFINITIONS = {
    "trial-window": "the epoch [cue + tmin, cue + tmax) itself (what `pipeline epochs` cuts), aligned with the "
                    "online matrix after every window that ended by cue + tmax",
    "window-at-tmax": "the sliding window whose end is closest to cue + tmax (hop 0.25 s: within 0.125 s)",
    "mean-windows-ending-in-trial": "mean probability of the windows that end inside [cue + tmin, cue + tmax] "
                                    "(mostly data from before the cue for a 3 s window)",
}


def window_probs(model, run, P, w0):
    Ms = xs.online_window_matrices(run, P, w0)
    starts = run.window_starts()
    X = np.stack([run.signal[:, s:s + xs.LENGTH] for s in starts]).astype(np.float64)
    Y = np.matmul(Ms, X).astype(np.float32)
    return xs.predict_proba(model, Y), (starts + xs.LENGTH) / xs.RATE


def publish(k):
    """Copies fold k's exported model, card and r12.json to models/dbconformer/heldout-f{k}/ (committed)."""
    src = os.path.join(loso.WORK, "fold-models", f"f{k}")
    name = f"dbconformer-eegmmidb-lr-f{k}"
    files = [name + ".onnx", name + ".json", "r12.json"]
    missing = [f for f in files if not os.path.exists(os.path.join(src, f))]
    if missing:
        sys.exit(f"fold_models.py: fold {k} has not been exported ({', '.join(missing)} missing in {src}); "
                 f"run fold_models.py --folds {k} first.")
    dst = os.path.join(HERE, f"heldout-f{k}")
    os.makedirs(dst, exist_ok=True)
    shutil.copyfile(os.path.join(src, files[0]), os.path.join(dst, files[0]))
    with open(os.path.join(src, files[1])) as f:
        card = json.load(f)
    # an export made before export.py wrote repository-relative commands: cut the machine's part of each path
    prov = card.get("provenance", {})
    if "export_command" in prov:
        prov["export_command"] = re.sub(r"\S*/(models/dbconformer/)", r"\1", prov["export_command"])
    with open(os.path.join(dst, files[1]), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    with open(os.path.join(src, "r12.json")) as f:
        r12 = json.load(f)
    # the path of the copy, relative to the repository root (never a path of the machine that trained it)
    r12["model"] = f"models/dbconformer/heldout-f{k}/{name}.onnx"
    with open(os.path.join(dst, "r12.json"), "w") as f:
        json.dump(r12, f)
    print(f"fold {k}: {', '.join(files)} -> {os.path.relpath(dst, os.path.join(HERE, '..', '..'))}/")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--publish", type=int, metavar="K", help="copy fold K's exported model (no training) to heldout-fK/")
    args = ap.parse_args(argv)
    if args.publish is not None:
        return publish(args.publish)
    torch.set_num_threads(1)
    summary = {}
    for k in [int(f) for f in args.folds.split(",")]:
        ckp = loso.path("models", "final", "dbconformer", f"f{k}", f"s{args.seed}", ext="pt")
        ck = torch.load(ckp)
        out = os.path.join(loso.WORK, "fold-models", f"f{k}")
        os.makedirs(out, exist_ok=True)
        cand, w0, _ = loso.choice("dbconformer", k)
        # a checkpoint export.py understands: the fold's population reference for online EA
        from alignment import inverse_sqrt
        ch = ck["channels"]
        meta = dict(class_names=["left", "right"], markers=["T1", "T2"], channel_labels=ch, rate=xs.RATE,
                    tmin=xs.TMIN, tmax=xs.TMIN + xs.LENGTH / xs.RATE, band=[8.0, 30.0], notch=0.0,
                    sources=[f"{s}R04/R08/R12" for s in ck["train"]], data=[], data_sha256={},
                    command=f"loso.py final (fold {k}, seed {args.seed}, {cand})", subjects=ck["train"],
                    attribution=__import__("train_xsubject").EEGMMIDB)
        ex = dict(config=ck["config"], state_dict=ck["state_dict"], cfg=ck["cfg"],
                  alignment=inverse_sqrt(ck["P"]).astype(np.float32),
                  online=dict(reference=ck["P"], warmup=float(w0), eigen_floor=1e-6),
                  meta=meta, metrics=dict(fold=k, held_out=ck["test"], seed=args.seed, candidate=cand))
        exp_ck = os.path.join(out, "checkpoint.pt")
        torch.save(ex, exp_ck)
        name = f"dbconformer-eegmmidb-lr-f{k}"
        subprocess.run([sys.executable, os.path.join(HERE, "export.py"), exp_ck, "--out",
                        os.path.join(out, name + ".onnx"), "--command", "left=LEFT", "--command", "right=RIGHT"],
                       check=True)
        model = xs.build_model(xs.make_config(**ck["cfg"]), len(ch))
        model.load_state_dict(ck["state_dict"])
        model.eval()
        data = loso.data(loso.NET_CANDIDATES[cand]["channels"])
        res = {}
        for s in ck["test"]:
            r12 = [r for r in data[s] if r.run == "R12"]
            if not r12:
                continue
            r = r12[0]
            own = xs.Subject(s, [r])
            p_off = xs.predict_proba(model, own.aligned_trials())[:, 1]
            X_on, y = xs.aligned_online(own, ck["P"], w0, carry=False)
            p_on = xs.predict_proba(model, X_on)[:, 1]
            pw, ends = window_probs(model, r, ck["P"], w0)
            cue_end = r.onsets + xs.TMIN + xs.LENGTH / xs.RATE
            nearest = np.array([pw[np.argmin(np.abs(ends - e)), 1] for e in cue_end])
            inside = np.array([pw[(ends >= o + xs.TMIN) & (ends <= e), 1].mean() for o, e in zip(r.onsets, cue_end)])
            acc = lambda p: float(((p > 0.5) == y).mean())  # noqa: E731
            res[s] = dict(trials=len(y), y=y.tolist(), onsets=r.onsets.tolist(),
                          offline_accuracy=acc(p_off), online_accuracy=acc(p_on),
                          accuracy_by_definition={"trial-window": acc(p_on), "window-at-tmax": acc(nearest),
                                                  "mean-windows-ending-in-trial": acc(inside)},
                          offline_p_right=p_off.tolist(), online_p_right=p_on.tolist(),
                          windows=dict(end_seconds=ends.tolist(), p_right=pw[:, 1].tolist()))
            print(f"fold {k} {s} R12: offline {acc(p_off):.3f}, online (trial window) {acc(p_on):.3f}, "
                  f"window at tmax {acc(nearest):.3f}, mean of windows ending in trial {acc(inside):.3f}", flush=True)
        json.dump(dict(model=os.path.relpath(os.path.join(out, name + ".onnx"), os.path.join(HERE, "..", "..")), fold=k, held_out=ck["test"], warmup=w0,
                       definitions=DEFINITIONS, subjects=res), open(os.path.join(out, "r12.json"), "w"))
        summary[k] = {s: (v["offline_accuracy"], v["online_accuracy"]) for s, v in res.items()}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
