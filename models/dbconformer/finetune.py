"""Calibrate a cross-subject DBConformer for a new person with one cued run (e.g. 15 trials).

    /usr/bin/python3 models/dbconformer/finetune.py models/dbconformer-eegmmidb-lr.pt calib.npz \
        --out models/dbconformer/runs/person1
    /usr/bin/python3 models/dbconformer/export.py models/dbconformer/runs/person1/checkpoint.pt \
        --out models/dbconformer/runs/person1/dbconformer-person1.onnx --command left=LEFT --command right=RIGHT

calib.npz comes from `pipeline epochs` (same channels, band, rate and window as the model: 480 samples at
160 Hz, --tmin 0.5 --tmax 3.5 --band 8 30). If `calib-continuous.npz` (the whole filtered run) lies beside
it, the person's reference is the mean covariance of all its sliding windows (what the runtime computes);
otherwise the mean covariance of the calibration trials.

What it does: the calibration run is aligned with the person's own reference R_cal, the network is
fine-tuned on those trials (time shifts of up to 0.5 s as augmentation, BatchNorm statistics frozen), and the
checkpoint's online EA is seeded with the calibration (card `reference` := R_cal, `warmup` := its number
of windows), so a live session starts already aligned to this person and keeps adapting online.
Recipes (chosen per fold on inner validation subjects in loso.py; `full-lr1e-4` by default):
  full-lr1e-4: every weight, Adam, cosine decay over 100 steps of the (up to 16) calibration trials;
  head-lr1e-3: the classifier MLP only, 100 steps.
"""
import argparse
import os
import shlex
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import xsubject as xs  # noqa: E402
from alignment import inverse_sqrt  # noqa: E402

FINETUNE_CANDIDATES = {
    "full-lr1e-4": dict(lr=1e-4, epochs=100, head=False),
    "head-lr1e-3": dict(lr=1e-3, epochs=100, head=True),
}


def finetune_model(ck, calib, fcfg, seed, log=print):
    """Fine-tunes a cross-subject checkpoint on one subject's calibration run(s) (calib: Subject whose W is
    the calibration reference). BatchNorm statistics stay frozen (15 trials cannot estimate them).
    One step per epoch: the batch holds up to 16 calibration trials."""
    cfg = dict(ck["cfg"])
    net_cfg = xs.make_config(model="dbconformer", **cfg)
    net_cfg.update(lr=fcfg["lr"], epochs=fcfg["epochs"], warmup=0, schedule="cosine",
                   batch=min(16, len(calib.y)), shift=80, chdrop=0.0, mix=0.0, early="none")
    if fcfg["head"]:
        model = xs.build_model(net_cfg, ck["config"]["channels"])
        model.load_state_dict(ck["state_dict"])
        for n, p in model.named_parameters():
            p.requires_grad = n.startswith("classifier")
        return _train_head(model, calib, net_cfg, seed, log)
    model, _ = xs.train_network([calib], net_cfg, seed, log=log, init_state=ck["state_dict"], freeze_bn=True)
    return model


def _train_head(model, calib, cfg, seed, log):
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    data = xs.TrainingSet([calib])
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=cfg["lr"])
    for epoch in range(cfg["epochs"]):
        model.eval()                     # features frozen (dropout off, BN frozen), only the head learns
        model.classifier.train()
        perm = rng.permutation(len(data))
        for i in range(0, len(perm) - 1, cfg["batch"]):
            x, yb = data.batch(perm[i:i + cfg["batch"]], rng, cfg)
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), yb)
            loss.backward()
            opt.step()
        log(f"epoch {epoch + 1} loss {loss.item():.4f}")
    model.eval()
    return model


def calibration_reference(subject):
    """(R_cal, n_cal): the mean window covariance of the calibration and its number of windows (a run known
    only by its trials counts LENGTH / HOP = 12 windows per trial, the new data it holds)."""
    n = sum(len(r.window_starts()) if r.continuous else len(r.y) * (xs.LENGTH // xs.HOP) for r in subject.runs)
    return subject.R, n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="cross-subject checkpoint.pt (train_xsubject.py)")
    ap.add_argument("calibration", nargs="+", help="the person's calibration epochs (.npz from pipeline epochs)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--recipe", choices=list(FINETUNE_CANDIDATES), default="full-lr1e-4")
    ap.add_argument("--epochs", type=int, help="override the recipe's number of steps (epochs of <= 16 trials)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    command = shlex.join([sys.executable] + (sys.argv if argv is None else [sys.argv[0]] + argv))
    ck = torch.load(args.checkpoint, map_location="cpu")
    if "cfg" not in ck or "online" not in ck:
        raise SystemExit(f"{args.checkpoint} is not a cross-subject checkpoint (train it with train_xsubject.py)")
    runs = xs.load_files(args.calibration, ck["meta"]["channel_labels"], pattern=r".*")
    person = xs.Subject("person", [r for rs in runs.values() for r in rs], ck["cfg"].get("ref", "windows"),
                        ck["online"]["eigen_floor"])
    if len(set(person.y.tolist())) < 2:
        raise SystemExit("the calibration holds one class only; record cues of every class")
    R, n_cal = calibration_reference(person)
    print(f"calibration: {len(person.y)} trials, reference from {n_cal} windows; recipe {args.recipe}", flush=True)
    recipe = dict(FINETUNE_CANDIDATES[args.recipe], **({"epochs": args.epochs} if args.epochs else {}))
    model = finetune_model(ck, person, recipe, args.seed,
                           log=lambda m: print(m, flush=True))
    meta = dict(ck["meta"], command=command, finetuned_from=os.path.basename(args.checkpoint),
                calibration=[os.path.basename(p) for p in args.calibration])
    metrics = dict(ck.get("metrics", {}), finetune=dict(recipe=args.recipe, trials=int(len(person.y)),
                                                        seed=args.seed))
    os.makedirs(args.out, exist_ok=True)
    torch.save(dict(ck, state_dict=model.state_dict(), meta=meta, metrics=metrics,
                    alignment=inverse_sqrt(R, ck["online"]["eigen_floor"]).astype(np.float32),
                    online=dict(ck["online"], reference=R, warmup=float(n_cal),
                                note="online EA seeded with this person's calibration: reference = mean window "
                                     "covariance of the calibration run, warmup = its number of windows")),
               os.path.join(args.out, "checkpoint.pt"))
    print(f"wrote {os.path.join(args.out, 'checkpoint.pt')}", flush=True)


if __name__ == "__main__":
    main()
