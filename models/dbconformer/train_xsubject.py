"""Train one DBConformer on many subjects, each aligned with its own reference (per-subject EA).

    /usr/bin/python3 models/dbconformer/train_xsubject.py models/dbconformer/runs/xsubject/data/S0??R??.npz \
        --config motor-aug --warmup 0 --seed 1 --out models/dbconformer/runs/xsubject/shipped

Inputs are `pipeline epochs` files (480 samples at 160 Hz, e.g. --tmin 0.5 --tmax 3.5), grouped by the
subject id in the file name (--subject-pattern, default S followed by three digits). A file
`<name>-continuous.npz` beside `<name>.npz` (eegmmidb_prepare.py writes both) supplies the run's sliding
windows (the subject's reference = the mean covariance of all its windows) and real time shifts for
augmentation; without it the trials alone are used.

Writes <out>/checkpoint.pt for export.py: weights, the per-subject protocol, the population reference P
(mean over the training subjects of each subject's reference) with the online-EA settings (warm-up w0,
eigenvalue floor), the offline fallback matrix P^-1/2, and the cross-validated accuracy (--cv) for the card.
"""
import argparse
import hashlib
import json
import os
import shlex
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import xsubject as xs  # noqa: E402
from alignment import DEFAULT_EIGEN_FLOOR, inverse_sqrt  # noqa: E402
from model import count_parameters  # noqa: E402


EEGMMIDB = {
    "data": "EEG Motor Movement/Imagery Database (EEGMMIDB) v1.0.0, PhysioNet, https://physionet.org/content/eegmmidb/1.0.0/",
    "license": "Open Data Commons Attribution License v1.0 (ODC-By 1.0)",
    "cite": [
        "Schalk G, McFarland DJ, Hinterberger T, Birbaumer N, Wolpaw JR. BCI2000: a general-purpose "
        "brain-computer interface (BCI) system. IEEE Transactions on Biomedical Engineering 51(6):1034-1043, 2004.",
        "Goldberger AL, Amaral LAN, Glass L, Hausdorff JM, Ivanov PCh, Mark RG, Mietus JE, Moody GB, Peng C-K, "
        "Stanley HE. PhysioBank, PhysioToolkit, and PhysioNet: components of a new research resource for complex "
        "physiologic signals. Circulation 101(23):e215-e220, 2000.",
    ],
    "note": "weights trained on this data; the data itself is not shipped",
}


def configs():
    import loso
    return dict(loso.NET_CANDIDATES, **loso.ABLATIONS)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="epoch files SxxxRyy.npz (several subjects)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--config", default="motor-aug", help="a named configuration of loso.py "
                    "(NET_CANDIDATES or ABLATIONS), e.g. motor-aug, motor-noaug, all-channels-aug")
    ap.add_argument("--epochs", type=int, help="override the configuration's epochs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--warmup", type=float, default=0.0,
                    help="online-EA weight w0 of the population reference, in windows (card `warmup`)")
    ap.add_argument("--eigen-floor", type=float, default=DEFAULT_EIGEN_FLOOR)
    ap.add_argument("--subject-pattern", default=r"S\d{3}")
    ap.add_argument("--cv", help="JSON with the cross-validated accuracy to put into the card")
    ap.add_argument("--attribution", choices=["eegmmidb", "none"], default="none",
                    help="data licence and citations to carry into the card (eegmmidb: PhysioNet EEGMMIDB, "
                         "ODC-By 1.0, Schalk et al. 2004, Goldberger et al. 2000)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    command = shlex.join([sys.executable] + (sys.argv if argv is None else [sys.argv[0]] + argv))
    all_cfg = configs()
    if args.config not in all_cfg:
        raise SystemExit(f"--config {args.config!r}: choose one of {', '.join(all_cfg)}")
    cfg = dict(all_cfg[args.config])
    if args.epochs:
        cfg["epochs"] = args.epochs
    runs = xs.load_files(args.files, xs.channel_set(cfg["channels"]), args.subject_pattern)
    if len(runs) < 2:
        raise SystemExit(f"found {len(runs)} subject(s) in the file names; cross-subject training needs several")
    subjects = [xs.Subject(s, r, cfg.get("ref", "windows"), args.eigen_floor) for s, r in sorted(runs.items())]
    n = sum(len(s.y) for s in subjects)
    print(f"{len(subjects)} subjects, {n} trials, {len(subjects[0].runs[0].labels)} channels; config "
          f"{args.config} {json.dumps(cfg)}", flush=True)
    net_cfg = xs.make_config(**cfg)
    model, hist = xs.train_network(subjects, net_cfg, args.seed, log=lambda m: print(m, flush=True))
    P = xs.population_reference(subjects)
    import train
    first = train.load_epochs(args.files[0])
    labels = subjects[0].runs[0].labels
    meta = dict(class_names=first["class_names"], markers=first["markers"], channel_labels=labels,
                rate=first["rate"], samples=xs.LENGTH, tmin=first["tmin"], tmax=first["tmax"], band=first["band"],
                notch=first["notch"], sources=sorted({r.run for rs in runs.values() for r in rs}),
                subjects=[s.name for s in subjects], data=[os.path.basename(p) for p in args.files],
                data_sha256={os.path.basename(p): sha256(p) for p in args.files}, command=command,
                torch=torch.__version__, parameters=count_parameters(model), trials=n,
                attribution=EEGMMIDB if args.attribution == "eegmmidb" else None,
                protocol="cross-subject: each training subject aligned with its own reference (mean covariance "
                         "X X^T / T of all its sliding windows, 480 samples every 40); one model on all")
    metrics = dict(training=dict(final_loss=hist["history"][-1]["loss"], final_accuracy=hist["history"][-1]["acc"],
                                 epochs=net_cfg["epochs"], config=args.config, settings=net_cfg, seed=args.seed))
    if args.cv:
        metrics["cross_validation"] = json.load(open(args.cv))
    os.makedirs(args.out, exist_ok=True)
    torch.save(dict(config=model.config, state_dict=model.state_dict(), cfg=cfg,
                    alignment=inverse_sqrt(P, args.eigen_floor).astype(np.float32),
                    online=dict(reference=P, warmup=args.warmup, eigen_floor=args.eigen_floor),
                    meta=meta, metrics=metrics, channels=labels, P=P, warmup=args.warmup),
               os.path.join(args.out, "checkpoint.pt"))
    print(f"wrote {os.path.join(args.out, 'checkpoint.pt')}", flush=True)


if __name__ == "__main__":
    main()
