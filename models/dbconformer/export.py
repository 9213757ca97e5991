"""Export a trained DBConformer checkpoint to ONNX (opset 17) with its model card and golden file.

    /usr/bin/python3 models/dbconformer/export.py models/dbconformer/runs/mi/checkpoint.pt \
        --out models/dbconformer/runs/mi/dbconformer-mi.onnx --command left=LEFT --command right=RIGHT

Writes <name>.onnx, <name>.json (model card, format pipeline-model-card/1) and
<name>.golden.json (inputs and PyTorch outputs for the C# parity test; see models/README.md).
The ONNX input `eeg` is the ALIGNED epoch: apply the card's alignment matrix before the model.

The graph is written in the fast layout of export_layout.py (the same function, laid out for ONNX
Runtime's blocked convolution kernels: ~2.7x faster on a CPU); --layout reference writes model.py's
own graph. --int8 TRAIN.npz ... also writes <name>-int8.onnx with its card and golden file: the
convolutions quantised to int8, calibrated on those training epochs (quantize.py).

A model whose checkpoint is gone is re-exported from its ONNX file and card (the golden file, made
by PyTorch from the original model, is kept):

    /usr/bin/python3 models/dbconformer/export.py --from-onnx models/dbconformer-demo.onnx \
        --int8 models/dbconformer/runs/demo/sim-seed{2,3,4,5}.npz --int8-test models/dbconformer/runs/demo/demo-seed1.npz
"""
import argparse
import base64
import datetime
import hashlib
import json
import math
import os
import shlex
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import DBConformer, Exported, count_parameters  # noqa: E402
import export_layout  # noqa: E402
import quantize  # noqa: E402

OPSET = 17
INPUT, OUTPUTS = "eeg", ["logits", "probabilities"]


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    model = DBConformer(**ck["config"])
    model.load_state_dict(ck["state_dict"])
    return model.eval(), ck


def export_onnx(model, path, opset=OPSET, layout="fast"):
    """Export eval-mode model as eeg[batch, C, T] -> logits, probabilities [batch, k]; check it.
    layout "fast": export_layout.FastDBConformer (checked against the model first); "reference": model.py as is."""
    C, T = model.config["channels"], model.config["samples"]
    if layout == "fast":
        fast = export_layout.FastDBConformer(model)
        export_layout.check_same(model, fast)
        wrapper = export_layout.ExportedFast(fast).eval()
    elif layout == "reference":
        wrapper = Exported(model).eval()
    else:
        raise ValueError(f"unknown layout {layout!r}")
    batch = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(wrapper, (torch.zeros(2, C, T),), path, opset_version=opset,
                          input_names=[INPUT], output_names=OUTPUTS,
                          dynamic_axes={INPUT: batch, OUTPUTS[0]: batch, OUTPUTS[1]: batch},
                          do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    names_in = [i.name for i in proto.graph.input]
    names_out = [o.name for o in proto.graph.output]
    if names_in != [INPUT] or names_out != OUTPUTS:
        raise RuntimeError(f"unexpected graph I/O {names_in} -> {names_out}")
    return proto


def tensor(a):
    """Golden-file tensor: shape + base64 of little-endian float32, row-major."""
    a = np.ascontiguousarray(a, dtype="<f4")
    return {"shape": list(a.shape), "dtype": "float32",
            "data": base64.b64encode(a.tobytes()).decode("ascii")}


def golden(model, W, count=3, seed=0):
    """Random raw epochs, their aligned version (model input) and the eval-mode outputs."""
    C, T = model.config["channels"], model.config["samples"]
    rng = np.random.RandomState(seed)
    z = rng.randn(count, C, T)
    raw = np.matmul(np.linalg.inv(W.astype(np.float64)), z).astype(np.float32)
    eeg = np.matmul(W.astype(np.float64), raw.astype(np.float64)).astype(np.float32)
    with torch.no_grad():
        logits, probs = Exported(model).eval()(torch.from_numpy(eeg))
    return {
        "format": "pipeline-model-golden/1",
        "encoding": "each tensor: shape, dtype float32, data = base64 of little-endian float32, "
                    "row-major (C order)",
        "count": count,
        "tolerance": {"abs": 1e-4, "rel": 1e-3},
        "note": "eeg = alignment.matrix @ raw (per epoch); logits/probabilities = PyTorch eval "
                "outputs for eeg",
        "raw": tensor(raw),
        "eeg": tensor(eeg),
        "logits": tensor(logits.numpy()),
        "probabilities": tensor(probs.numpy()),
    }


def alignment_entry(ck, mode):
    """preprocessing.alignment: `offline` = a fixed matrix; `online` = the runtime's online EA (models/README.md)
    with the population (or calibration) reference P, warm-up weight w0 and eigenvalue floor. An online entry
    also carries `matrix` = P^-1/2, what a reader that does not know `mode` applies as a fixed matrix."""
    matrix = np.asarray(ck["alignment"], dtype=np.float32).tolist()
    if mode == "offline":
        note = ck["meta"].get("alignment_note") or ("matrix = R^-1/2, R = mean covariance (np.cov style, T-1) of "
                                                    "the training epochs")
        return {"kind": "euclidean", "mode": "offline", "matrix": matrix, "note": note}
    on = ck["online"]
    return {"kind": "euclidean", "mode": "online",
            "reference": np.asarray(on["reference"], dtype=np.float64).tolist(),
            "warmup": float(on["warmup"]), "eigenFloor": float(on["eigen_floor"]),
            "matrix": matrix,
            "note": on.get("note") or ("online EA: per window C = X X^T / T (before `scale`), R_n = (warmup * "
                                       "reference + sum C_i) / (warmup + n), window added first, then aligned "
                                       "with R_n^-1/2 (eigenvalues floored at eigenFloor * max); `reference` = "
                                       "mean over the training subjects of each subject's mean window "
                                       "covariance; `matrix` = reference^-1/2 for readers without online EA")}


def portable_command(args):
    """The command line as the card records it: a path inside the repository is written relative to its root,
    so a card never carries the layout of the machine that exported it."""
    root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    return shlex.join([os.path.relpath(a, root) if os.path.isabs(a) and a.startswith(root + os.sep) else a
                       for a in args])


def card(model, ck, name, commands, export_command, mode="offline"):
    meta, cfg = ck["meta"], model.config
    C, T, rate = cfg["channels"], cfg["samples"], meta["rate"]
    band = meta["band"]
    band = None if any(math.isnan(b) for b in band) else [float(b) for b in band]
    return {
        "format": "pipeline-model-card/1",
        "name": name,
        "architecture": "DBConformer",
        "file": name + ".onnx",
        "opset": OPSET,
        "input": {"name": INPUT, "layout": "NCT", "shape": [-1, C, T], "dtype": "float32",
                  "aligned": True,
                  "note": "model input = alignment.matrix @ (scale * epoch); alignment is NOT "
                          "inside the ONNX graph"},
        "outputs": OUTPUTS,
        "rate": rate,
        "channels": meta["channel_labels"],
        "window": {"samples": T, "seconds": T / rate, "tmin": meta["tmin"], "tmax": meta["tmax"]},
        "preprocessing": {
            "band": band,
            "notch": meta["notch"],
            "alignment": alignment_entry(ck, mode),
            "scale": 1.0,
        },
        "classes": meta["class_names"],
        "markers": meta["markers"],
        "commands": {c: commands.get(c, c) for c in meta["class_names"]},
        "parameters": count_parameters(model),
        "hyperparameters": cfg,
        **({"evaluation": ck["metrics"]["cross_validation"]} if "cross_validation" in ck.get("metrics", {}) else {}),
        **({"attribution": meta["attribution"]} if meta.get("attribution") else {}),
        "provenance": {
            "data": meta["data"],
            "data_sha256": meta.get("data_sha256", {}),
            "sources": meta.get("sources", []),
            "command": meta["command"],
            "export_command": export_command,
            "metrics": ck["metrics"],
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "torch": torch.__version__,
        },
    }


def layout_card(model, layout):
    """The card's "export" entry: how the graph is laid out and what one window costs."""
    return {
        "layout": layout,
        "flops_per_window": export_layout.flops_per_window(model),
        "flops_note": "2 x multiply-adds of the convolutions, projections and attention products; elementwise work "
                      "not counted",
        "notes": "fast: batch norms folded, 1-D convolutions as 2-D ones (temporal filters zero-padded to a multiple "
                 "of 16) for ONNX Runtime's NCHWc kernels, q/k/v as one Gemm, constant shapes, ELU as "
                 "max(x, exp(min(x, 0)) - 1); same outputs as model.py within 1e-6"
        if layout == "fast" else "model.py's own graph",
    }


def load_windows(paths, card):
    """Model inputs from `pipeline epochs` files: alignment.matrix @ (scale * X), float32; and the labels."""
    W = np.asarray(card["preprocessing"]["alignment"]["matrix"], dtype=np.float64)
    scale = float(card["preprocessing"].get("scale", 1.0))
    xs, ys, sums = [], [], {}
    for p in paths:
        with np.load(p, allow_pickle=False) as z:
            X = z["X"].astype(np.float64) * scale
            if X.shape[1:] != (card["hyperparameters"]["channels"], card["hyperparameters"]["samples"]):
                raise SystemExit(f"{p}: epochs are {X.shape[1:]}, the model takes "
                                 f"{(card['hyperparameters']['channels'], card['hyperparameters']['samples'])}")
            xs.append(np.matmul(W, X).astype(np.float32))
            ys.append(z["y"].astype(np.int64))
            sums[p] = hashlib.sha256(np.ascontiguousarray(z["X"]).tobytes()).hexdigest()
    return np.concatenate(xs), np.concatenate(ys), sums


def accuracy(model, X, y, batch=64):
    with torch.no_grad():
        p = np.concatenate([model(torch.from_numpy(X[s:s + batch])).argmax(1).numpy() for s in range(0, len(X), batch)])
    k = int((p == y).sum())
    return {"correct": k, "n": int(len(y)), "accuracy": k / max(1, len(y))}


def export_int8(model, card, golden_doc, float_path, calibration, test, export_command):
    """<name>-int8.onnx + card + golden next to float_path; returns its path."""
    base = float_path[:-len(".onnx")] + "-int8"
    fast = export_layout.FastDBConformer(model).eval()
    X, _, sums = load_windows(calibration, card)
    params = quantize.calibrate(fast, X)
    quantize.quantize_onnx(float_path, fast, params, base + ".onnx")
    emulated = quantize.emulate(fast, params)
    q_card = json.loads(json.dumps(card))
    q_card["name"] = os.path.basename(base)
    q_card["file"] = os.path.basename(base) + ".onnx"
    q_card["quantization"] = {
        "kind": "static int8: QuantizeLinear -> QLinearConv -> DequantizeLinear on the three convolutions; weights "
                "int8 symmetric per output channel, activations uint8 per tensor; everything else float32",
        "needs": "a CPU with VNNI (AVX512-VNNI or AVX-VNNI) for exact u8 x s8 products at speed",
        "calibration": {"data": calibration, "x_sha256": sums, "windows": int(len(X)),
                        "tail": quantize.TAIL,
                        "ranges": {k: {"scale": float(v[0]), "zero_point": int(v[1])} for k, v in params.items()}},
        "float_model": os.path.basename(float_path),
        "export_command": export_command,
    }
    if test:
        Xt, yt, tsums = load_windows(test, card)
        q_card["quantization"]["test"] = {"data": test, "x_sha256": tsums,
                                          "float": accuracy(fast, Xt, yt), "int8": accuracy(emulated, Xt, yt),
                                          "note": "int8 figures from quantize.emulate (what the int8 graph "
                                                  "computes); the C# test checks ONNX Runtime against it"}
    with open(base + ".json", "w") as f:
        json.dump(q_card, f, indent=2)
    eeg = torch.from_numpy(_decode(golden_doc["eeg"]))
    with torch.no_grad():
        logits = emulated(eeg)
    q_golden = dict(golden_doc)
    q_golden.update({
        "tolerance": {"abs": 2e-3, "rel": 1e-2},
        "note": "logits/probabilities = quantize.emulate (the int8 graph's arithmetic in PyTorch) for eeg; the "
                "tolerance allows a rounding tie to fall the other way in a few activations",
        "logits": tensor(logits.numpy()),
        "probabilities": tensor(torch.softmax(logits, dim=1).numpy()),
    })
    with open(base + ".golden.json", "w") as f:
        json.dump(q_golden, f)
    return base + ".onnx"


def _decode(t):
    return np.frombuffer(base64.b64decode(t["data"]), dtype="<f4").reshape(t["shape"]).copy()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", nargs="?")
    ap.add_argument("--from-onnx", metavar="MODEL.onnx",
                    help="re-export this exported model (weights from the ONNX file, card from its .json) instead of a "
                         "checkpoint; writes over it unless --out is given, and keeps its golden file")
    ap.add_argument("--layout", choices=["fast", "reference"], default="fast",
                    help="graph layout (default fast: see export_layout.py)")
    ap.add_argument("--int8", nargs="+", metavar="TRAIN.npz",
                    help="also write <name>-int8.onnx (+ card, golden), calibrated on these training epochs")
    ap.add_argument("--int8-test", nargs="+", metavar="TEST.npz",
                    help="epochs to report float and int8 accuracy on in the int8 card")
    ap.add_argument("--out", help="output .onnx path (default: <checkpoint dir>/dbconformer.onnx)")
    ap.add_argument("--name", help="model name (default: file stem of --out)")
    ap.add_argument("--command", action="append", default=[], metavar="CLASS=NAME",
                    help="command emitted for a class (default: the class name)")
    ap.add_argument("--alignment", choices=["auto", "offline", "online"], default="auto",
                    help="card alignment mode (auto: online when the checkpoint has online-EA settings, as "
                         "train_xsubject.py and finetune.py write them; else offline, the fixed matrix)")
    ap.add_argument("--golden-count", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0, help="seed of the golden inputs")
    args = ap.parse_args(argv)
    export_command = portable_command([sys.executable] + (sys.argv if argv is None else [sys.argv[0]] + argv))

    if args.int8_test and not args.int8:
        raise SystemExit("--int8-test needs --int8 (the calibration epochs)")
    if args.from_onnx:
        if args.checkpoint:
            raise SystemExit("give a checkpoint or --from-onnx, not both")
        return reexport(args, export_command)
    if not args.checkpoint:
        raise SystemExit("give a checkpoint (or --from-onnx MODEL.onnx)")

    model, ck = load_checkpoint(args.checkpoint)
    out = args.out or os.path.join(os.path.dirname(args.checkpoint), "dbconformer.onnx")
    if not out.endswith(".onnx"):
        raise SystemExit("--out must end with .onnx")
    name = args.name or os.path.basename(out)[:-len(".onnx")]
    base = out[:-len(".onnx")]
    commands = {}
    for c in args.command:
        k, sep, v = c.partition("=")
        if not sep or k not in ck["meta"]["class_names"]:
            raise SystemExit(f"--command {c!r}: want CLASS=NAME with CLASS in {ck['meta']['class_names']}")
        commands[k] = v

    mode = args.alignment
    if mode == "auto":
        mode = "online" if ck.get("online") else "offline"
    if mode == "online" and not ck.get("online"):
        raise SystemExit(f"{args.checkpoint} has no online-EA settings (train it with train_xsubject.py or "
                         "finetune.py), so only --alignment offline is possible")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    proto = export_onnx(model, out, layout=args.layout)
    model_card = card(model, ck, name, commands, export_command, mode)
    model_card["export"] = layout_card(model, args.layout)
    golden_doc = golden(model, np.asarray(ck["alignment"]), args.golden_count, args.seed)
    with open(base + ".json", "w") as f:
        json.dump(model_card, f, indent=2)
    with open(base + ".golden.json", "w") as f:
        json.dump(golden_doc, f)
    print(f"wrote {out} ({os.path.getsize(out):,} bytes, {len(proto.graph.node)} nodes, opset {OPSET}), "
          f"{base}.json, {base}.golden.json")
    if args.int8:
        q = export_int8(model, model_card, golden_doc, out, args.int8, args.int8_test, export_command)
        print(f"wrote {q} ({os.path.getsize(q):,} bytes) and its card and golden file")


def reexport(args, export_command):
    """--from-onnx: the same model, exported again in the chosen layout; card and golden file kept (card updated)."""
    src = args.from_onnx
    card_path = src[:-len(".onnx")] + ".json"
    golden_path = src[:-len(".onnx")] + ".golden.json"
    with open(card_path) as f:
        model_card = json.load(f)
    with open(golden_path) as f:
        golden_doc = json.load(f)
    model = export_layout.from_onnx(src, model_card["hyperparameters"])
    # The rebuilt model must give the outputs PyTorch saved when the model was first exported.
    with torch.no_grad():
        logits = model(torch.from_numpy(_decode(golden_doc["eeg"])))
    worst = float(np.abs(logits.numpy() - _decode(golden_doc["logits"])).max())
    if not worst <= 1e-4:
        raise SystemExit(f"{src}: the weights read back give logits {worst:g} away from the golden file")
    out = args.out or src
    base = out[:-len(".onnx")]
    tmp = out + ".tmp"
    proto = export_onnx(model, tmp, layout=args.layout)
    os.replace(tmp, out)
    model_card["opset"] = OPSET
    model_card["file"] = os.path.basename(out)
    model_card["export"] = layout_card(model, args.layout)
    model_card["export"]["reexport_command"] = export_command
    with open(base + ".json", "w") as f:
        json.dump(model_card, f, indent=2)
    if os.path.abspath(base + ".golden.json") != os.path.abspath(golden_path):
        with open(base + ".golden.json", "w") as f:
            json.dump(golden_doc, f)
    print(f"wrote {out} ({os.path.getsize(out):,} bytes, {len(proto.graph.node)} nodes, layout {args.layout}; "
          f"read-back logits within {worst:.1e} of the golden file) and updated {base}.json")
    if args.int8:
        q = export_int8(model, model_card, golden_doc, out, args.int8, args.int8_test, export_command)
        print(f"wrote {q} ({os.path.getsize(q):,} bytes) and its card and golden file")


if __name__ == "__main__":
    main()
