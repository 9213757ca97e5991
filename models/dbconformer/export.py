"""Export a trained DBConformer checkpoint to ONNX (opset 17) with its model card and golden file.

    /usr/bin/python3 models/dbconformer/export.py models/dbconformer/runs/mi/checkpoint.pt \
        --out models/dbconformer/runs/mi/dbconformer-mi.onnx --command left=LEFT --command right=RIGHT

Writes <name>.onnx, <name>.json (model card, format pipeline-model-card/1) and
<name>.golden.json (inputs and PyTorch outputs for the C# parity test; see models/README.md).
The ONNX input `eeg` is the ALIGNED epoch: apply the card's alignment matrix before the model.
"""
import argparse
import base64
import datetime
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

OPSET = 17
INPUT, OUTPUTS = "eeg", ["logits", "probabilities"]


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    model = DBConformer(**ck["config"])
    model.load_state_dict(ck["state_dict"])
    return model.eval(), ck


def export_onnx(model, path, opset=OPSET):
    """Export eval-mode model as eeg[batch, C, T] -> logits, probabilities [batch, k]; check it."""
    C, T = model.config["channels"], model.config["samples"]
    wrapper = Exported(model).eval()
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


def card(model, ck, name, commands, export_command):
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
            "alignment": {"kind": "euclidean",
                          "matrix": np.asarray(ck["alignment"], dtype=np.float32).tolist(),
                          "reference": "R^-1/2, R = mean covariance (np.cov style, T-1) of the "
                                       "training epochs"},
            "scale": 1.0,
        },
        "classes": meta["class_names"],
        "markers": meta["markers"],
        "commands": {c: commands.get(c, c) for c in meta["class_names"]},
        "parameters": count_parameters(model),
        "hyperparameters": cfg,
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--out", help="output .onnx path (default: <checkpoint dir>/dbconformer.onnx)")
    ap.add_argument("--name", help="model name (default: file stem of --out)")
    ap.add_argument("--command", action="append", default=[], metavar="CLASS=NAME",
                    help="command emitted for a class (default: the class name)")
    ap.add_argument("--golden-count", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0, help="seed of the golden inputs")
    args = ap.parse_args(argv)
    export_command = shlex.join([sys.executable] + (sys.argv if argv is None else [sys.argv[0]] + argv))

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

    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    proto = export_onnx(model, out)
    with open(base + ".json", "w") as f:
        json.dump(card(model, ck, name, commands, export_command), f, indent=2)
    with open(base + ".golden.json", "w") as f:
        json.dump(golden(model, np.asarray(ck["alignment"]), args.golden_count, args.seed), f)
    print(f"wrote {out} ({os.path.getsize(out):,} bytes, {len(proto.graph.node)} nodes, opset {OPSET}), "
          f"{base}.json, {base}.golden.json")


if __name__ == "__main__":
    main()
