"""Static int8 quantisation of a DBConformer's convolutions (export-time), for CPUs with VNNI (AVX512-VNNI/AVX-VNNI).

The three convolutions are 80 % of the model's arithmetic. Each becomes QuantizeLinear -> QLinearConv ->
DequantizeLinear (standard ONNX ops, opset 17): weights int8, symmetric, one scale per output channel; activations
uint8 with one scale and zero point per tensor, calibrated on training windows (the range that holds all but a
1e-5 tail of their values). The pointwise -> depthwise pair of the temporal branch stays in uint8 between the two.
Everything else (attention, LayerNorm, the classifier) stays float32.

There is no Python ONNX Runtime here, so `emulate` computes what the int8 graph computes, in PyTorch (integer
arithmetic in float64, ONNX's rounding: half to even): its outputs go into the int8 model's golden file, and the C#
test checks ONNX Runtime against them.
"""
import copy

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
from torch import nn

TAIL = 1e-5  # share of calibration values allowed outside an activation's range (each side)
CONVS = ("pointwise", "depthwise", "s_conv")


def _range(values, tail=TAIL):
    v = np.concatenate([np.asarray(x, dtype=np.float32).ravel() for x in values])
    lo, hi = np.quantile(v, [tail, 1 - tail]) if tail > 0 else (v.min(), v.max())
    return float(min(lo, 0.0)), float(max(hi, 0.0))  # zero must be exact (padding)


def uint8_params(lo, hi):
    scale = max(hi - lo, 1e-8) / 255.0
    zero = int(np.clip(np.round(-lo / scale), 0, 255))
    return np.float32(scale), np.uint8(zero)


def calibrate(fast, windows, batch=64):
    """uint8 (scale, zero point) of the input and of each convolution's output, from model inputs [n, C, T]."""
    seen = {"input": [], **{name: [] for name in CONVS if hasattr(fast, name)}}
    hooks = [getattr(fast, name).register_forward_hook(lambda m, i, o, name=name: seen[name].append(o.detach().numpy()))
             for name in CONVS if hasattr(fast, name)]
    try:
        with torch.no_grad():
            for s in range(0, len(windows), batch):
                x = torch.from_numpy(np.ascontiguousarray(windows[s:s + batch], dtype=np.float32))
                seen["input"].append(x.numpy())
                fast(x)
    finally:
        for h in hooks:
            h.remove()
    return {name: uint8_params(*_range(v)) for name, v in seen.items()}


def int8_weights(conv):
    """Symmetric per-output-channel int8 weights: (int8 array, float32 scales)."""
    w = conv.weight.detach().numpy().astype(np.float64)
    amax = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.round(w / scale.reshape(-1, 1, 1, 1)), -127, 127).astype(np.int8)
    return q, scale


def _q(x, scale, zero):
    return torch.clamp(torch.round(x / float(scale)) + int(zero), 0, 255)


class _EmulatedConv(nn.Module):
    """What QuantizeLinear -> QLinearConv -> DequantizeLinear computes, in float64 integer arithmetic."""

    def __init__(self, conv, x_params, y_params):
        super().__init__()
        self.conv, (self.xs, self.xz), (self.ys, self.yz) = conv, x_params, y_params
        self.wq, self.ws = int8_weights(conv)
        self.bq = np.round(conv.bias.detach().numpy().astype(np.float64) / (float(self.xs) * self.ws.astype(np.float64)))

    def forward(self, x):
        qx = _q(x.double(), self.xs, self.xz) - int(self.xz)
        acc = F.conv2d(qx, torch.from_numpy(self.wq.astype(np.float64)), torch.from_numpy(self.bq),
                       self.conv.stride, self.conv.padding, self.conv.dilation, self.conv.groups)
        mult = torch.from_numpy((float(self.xs) * self.ws.astype(np.float64) / float(self.ys)).astype(np.float32).astype(np.float64))
        y = torch.clamp(torch.round(acc * mult.reshape(1, -1, 1, 1)) + int(self.yz), 0, 255)
        return ((y - int(self.yz)) * float(self.ys)).float()


def emulate(fast, params):
    """A copy of the fast model whose convolutions compute as the int8 graph does."""
    q = copy.deepcopy(fast).eval()
    q.pointwise = _EmulatedConv(fast.pointwise, params["input"], params["pointwise"])
    q.depthwise = _EmulatedConv(fast.depthwise, params["pointwise"], params["depthwise"])
    if hasattr(fast, "s_conv"):
        q.s_conv = _EmulatedConv(fast.s_conv, params["input"], params["s_conv"])
    return q


def quantize_onnx(float_path, fast, params, out_path):
    """Rewrites the float export of `fast` (export_layout): each Conv -> Q -> QLinearConv -> DQ; Q(DQ(x)) pairs with
    the same parameters cancel. Returns the written proto."""
    proto = onnx.load(float_path)
    g = proto.graph
    producers = {o: n for n in g.node for o in n.output}
    convs = {name: n for n in g.node if n.op_type == "Conv" for name in CONVS if n.name == f"/fast/{name}/Conv"}
    missing = [c for c in CONVS if hasattr(fast, c) and c not in convs]
    if missing:
        raise RuntimeError(f"{float_path}: no Conv node for {missing} (was it written by export_layout?)")
    inputs_of = {"pointwise": "input", "depthwise": "pointwise", "s_conv": "input"}
    new_inits, replaced = [], {}

    def const(name, array):
        new_inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    for name, node in convs.items():
        conv = getattr(fast, name)
        xs, xz = params[inputs_of[name]]
        ys, yz = params[name]
        wq, ws = int8_weights(conv)
        bq = np.round(conv.bias.detach().numpy().astype(np.float64) / (float(xs) * ws.astype(np.float64))).astype(np.int32)
        p = f"/fast/{name}/q"
        x_in = node.input[0]
        qx, qy = p + "/x_u8", p + "/y_u8"
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        nodes = [
            helper.make_node("QuantizeLinear", [x_in, const(p + "/x_scale", xs), const(p + "/x_zero", xz)], [qx], name=p + "/QuantizeLinear"),
            helper.make_node("QLinearConv", [qx, p + "/x_scale", p + "/x_zero", const(p + "/w", wq), const(p + "/w_scale", ws),
                                             const(p + "/w_zero", np.zeros(len(ws), np.int8)), const(p + "/y_scale", ys),
                                             const(p + "/y_zero", yz), const(p + "/b", bq)], [qy], name=p + "/QLinearConv", **attrs),
            helper.make_node("DequantizeLinear", [qy, p + "/y_scale", p + "/y_zero"], [node.output[0]], name=p + "/DequantizeLinear"),
        ]
        replaced[id(node)] = nodes
    out = []
    for n in g.node:
        out.extend(replaced.get(id(n), [n]))
    # DequantizeLinear -> QuantizeLinear with the same scale and zero point: keep the uint8 tensor.
    by_output = {o: n for n in out for o in n.output}
    consumers = {}
    for n in out:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    drop = set()
    for n in out:
        if n.op_type != "QuantizeLinear":
            continue
        src = by_output.get(n.input[0])
        if src is None or src.op_type != "DequantizeLinear" or src.input[1:] != n.input[1:]:
            # parameters are separate initializers with equal values: compare values
            if src is None or src.op_type != "DequantizeLinear":
                continue
            vals = {i.name: numpy_helper.to_array(i) for i in new_inits}
            if not all(np.array_equal(vals[a], vals[b]) for a, b in zip(src.input[1:], n.input[1:])):
                continue
        for c in consumers.get(n.output[0], []):
            c.input[:] = [src.input[0] if i == n.output[0] else i for i in c.input]
        drop.add(id(n))
        if len(consumers.get(src.output[0], [])) == 1:
            drop.add(id(src))
    del g.node[:]
    g.node.extend([n for n in out if id(n) not in drop])
    used = {i for n in g.node for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep + [i for i in new_inits if i.name in used])
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, out_path)
    return proto
