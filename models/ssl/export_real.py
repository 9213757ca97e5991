"""Export path for real pretrained checkpoints (HuBERT base / wav2vec 2.0 base): a Hugging Face
`pytorch_model.bin` is remapped by name onto torchaudio's base builder (no transformers needed) and exported with
every hidden state as output ([13, B, T, 768]), ready for the interface+head models of this folder.

  /usr/bin/python3 models/ssl/export_real.py --arch hubert_base --checkpoint pytorch_model.bin --out hubert-base.onnx
  /usr/bin/python3 models/ssl/export_real.py --arch hubert_base --random --check      # shapes, no download needed
"""
import argparse
import os
import sys

import torch
import torchaudio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ssl_model  # noqa: E402

BUILDERS = {"hubert_base": torchaudio.models.hubert_base, "wav2vec2_base": torchaudio.models.wav2vec2_base}
DROP_PREFIXES = ("masked_spec_embed", "label_embeddings", "final_proj", "project_q", "quantizer", "project_hid", "lm_head")


def remap_hf(state):
    """HF names → torchaudio names: strip the model prefix, move feature_projection under encoder, the transformer
    under encoder.transformer, and turn weight-norm parametrizations back into weight_g/weight_v."""
    out = {}
    for k, v in state.items():
        for prefix in ("wav2vec2.", "hubert."):
            if k.startswith(prefix):
                k = k[len(prefix):]
        if k.startswith(DROP_PREFIXES):
            continue
        k = k.replace("parametrizations.weight.original0", "weight_g").replace("parametrizations.weight.original1", "weight_v")
        if k.startswith("feature_projection."):
            k = "encoder." + k
        elif k.startswith("encoder."):
            k = "encoder.transformer." + k[len("encoder."):]
        out[k] = v
    return out


def to_hf(state, prefix="hubert."):
    """torchaudio names → HF names (the inverse, used to check the remapping without a real checkpoint)."""
    out = {}
    for k, v in state.items():
        if k.startswith("encoder.feature_projection."):
            k = k[len("encoder."):]
        elif k.startswith("encoder.transformer."):
            k = "encoder." + k[len("encoder.transformer."):]
        k = k.replace("weight_g", "parametrizations.weight.original0").replace("weight_v", "parametrizations.weight.original1")
        out[prefix + k] = v
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=sorted(BUILDERS), default="hubert_base")
    ap.add_argument("--checkpoint", help="HF pytorch_model.bin (torch.load); safetensors need another reader")
    ap.add_argument("--random", action="store_true", help="random weights (checks the path without a checkpoint)")
    ap.add_argument("--out", help="ONNX file to write")
    ap.add_argument("--check", action="store_true", help="check names, forward shapes (and the ONNX file when --out)")
    a = ap.parse_args()
    torch.manual_seed(0)
    model = BUILDERS[a.arch]()
    if a.checkpoint:
        state = remap_hf(torch.load(a.checkpoint, map_location="cpu"))
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            sys.exit(f"checkpoint does not fit {a.arch}: missing {missing[:5]}..., unexpected {unexpected[:5]}...")
    elif not a.random:
        sys.exit("pass --checkpoint or --random")
    model.eval()
    if a.check:
        # Round trip through HF names must give back every torchaudio parameter.
        ref = model.state_dict()
        back = remap_hf(to_hf(ref))
        assert set(back) == set(ref), set(back) ^ set(ref)
        with torch.no_grad():
            h = ssl_model.hidden_states(model, torch.randn(2, 16000))
        assert tuple(h.shape) == (13, 2, 49, 768), h.shape
        n, lengths, last = ssl_model.hconv_plan(13, 768)
        print(f"{a.arch}: {sum(p.numel() for p in model.parameters()):,} parameters, hidden states {tuple(h.shape)}, "
              f"HConv plan {lengths} → {last * lengths[-1]} dims, remap round trip ok")
    if a.out:
        torch.onnx.export(ssl_model.AllHiddenStates(model), (torch.randn(1, 16000),), a.out, opset_version=17,
                          input_names=["wave"], output_names=["hidden_states"],
                          dynamic_axes={"wave": {0: "batch", 1: "samples"}, "hidden_states": {1: "batch", 2: "frames"}})
        import onnx
        m = onnx.load(a.out)
        onnx.checker.check_model(a.out)
        dims = [d.dim_value or d.dim_param for d in m.graph.output[0].type.tensor_type.shape.dim]
        print(f"wrote {a.out} ({os.path.getsize(a.out) / 1e6:.1f} MB), hidden_states dims {dims}")
        if a.check:
            assert dims[0] == 13 and dims[3] == 768, dims


if __name__ == "__main__":
    main()
