"""The export-time layout of a trained DBConformer: the same function, written for ONNX Runtime's fast CPU kernels.

Nothing here changes what the model computes or how it is trained (model.py and its state_dict stay as they are);
it only changes the graph that export.py writes:

- batch norms folded into the convolutions before them (eval mode: a per-channel scale and shift);
- the 1-D convolutions as 2-D ones ([B, C, T] -> [B, C, 1, T]), so ONNX Runtime's NCHWc transformer can run them
  with its blocked direct-convolution kernels instead of im2col + one small GEMM per group; the temporal branch's
  filters are zero-padded to a multiple of 16 (the AVX-512 block) because the blocked depthwise kernel needs it;
- the spatial branch's per-channel convolution as one 2-D convolution over [B, 1, C, T] (one kernel call per batch
  instead of one per channel);
- q, k and v as one [D, 3D] projection; tokens kept as [B*N, D] rows so every Linear is a single Gemm with its bias;
- every shape constant (token counts are fixed by the card), so the graph has no Shape/Gather/Concat arithmetic.

`from_onnx` rebuilds a DBConformer (model.py's own state_dict layout) from an exported ONNX file, so a model whose
checkpoint is gone (the demo model) can be re-exported the same way.
"""
import math

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch import nn

from model import DBConformer

BLOCK = 16  # ONNX Runtime's NCHWc block on AVX-512 machines (8 on AVX2: a multiple of 16 suits both)


def _pad_to(n, block=BLOCK):
    return (n + block - 1) // block * block


def _fold_bn(weight, bias, bn):
    """Eval-mode BatchNorm after a convolution, folded into the convolution's weight and bias."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    shift = bn.bias - bn.running_mean * scale
    w = weight * scale.reshape(-1, *([1] * (weight.dim() - 1)))
    b = shift if bias is None else bias * scale + shift
    return w, b


class _FastBlock(nn.Module):
    """Pre-LN transformer block on token rows [B*N, D]; q/k/v in one Gemm; same numbers as model.Block (eval)."""

    def __init__(self, block, tokens):
        super().__init__()
        att = block.att
        self.tokens, self.heads, self.head_dim, self.emb = tokens, att.heads, att.head_dim, att.emb
        self.scale = att.scale
        self.ln1, self.ln2 = block.ln1, block.ln2
        self.qkv_w = nn.Parameter(torch.cat([att.q.weight, att.k.weight, att.v.weight], 0).detach().clone())
        self.qkv_b = nn.Parameter(torch.cat([att.q.bias, att.k.bias, att.v.bias], 0).detach().clone())
        self.out, self.ffn1, self.ffn2 = att.out, block.ffn[0], block.ffn[3]

    def forward(self, x):                                       # [B*N, D]
        n, h, d = self.tokens, self.heads, self.head_dim
        qkv = F.linear(self.ln1(x), self.qkv_w, self.qkv_b)      # [B*N, 3D]
        qkv = qkv.reshape(-1, n, 3 * h, d).transpose(1, 2)      # [B, 3H, N, d]
        q, k, v = torch.split(qkv, h, dim=1)                    # one Split, each [B, H, N, d]
        att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * self.scale, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(-1, self.emb)
        x = x + self.out(y)
        return x + self.ffn2(F.gelu(self.ffn1(self.ln2(x))))


class FastDBConformer(nn.Module):
    """A DBConformer in eval mode, laid out for export (see the module's notes). forward(eeg[B, C, T]) -> logits."""

    def __init__(self, model):
        super().__init__()
        model = model.eval()
        cfg = model.config
        self.channels, self.samples = cfg["channels"], cfg["samples"]
        t = model.temporal
        emb = t.spatial.out_channels
        self.emb, self.padded = emb, _pad_to(emb)
        pad = self.padded - emb
        with torch.no_grad():
            w1, b1 = _fold_bn(t.spatial.weight, None, t.bn1)           # [D, C, 1]
            w2, b2 = _fold_bn(t.temporal.weight, None, t.bn2)          # [D, 1, K]
            # Padded filters are zero and their bias is zero: they give zeros that are cut off after pooling.
            w1 = torch.cat([w1, w1.new_zeros(pad, *w1.shape[1:])])
            b1 = torch.cat([b1, b1.new_zeros(pad)])
            w2 = torch.cat([w2, w2.new_zeros(pad, *w2.shape[1:])])
            b2 = torch.cat([b2, b2.new_zeros(pad)])
        k = t.temporal.kernel_size[0]
        self.pointwise = nn.Conv2d(self.channels, self.padded, 1)
        self.depthwise = nn.Conv2d(self.padded, self.padded, (1, k), padding=(0, k // 2), groups=self.padded)
        with torch.no_grad():
            self.pointwise.weight.copy_(w1.unsqueeze(2))
            self.pointwise.bias.copy_(b1)
            self.depthwise.weight.copy_(w2.unsqueeze(2))
            self.depthwise.bias.copy_(b2)
        self.crop_last = t.crop_last
        self.patch = t.pool.kernel_size if isinstance(t.pool.kernel_size, int) else t.pool.kernel_size[0]
        self.patches = t.patches
        self.t_pos = nn.Parameter(t.pos.detach().reshape(self.patches, emb).clone())
        self.t_blocks = nn.ModuleList([_FastBlock(b, self.patches) for b in t.blocks])

        s = model.spatial
        self.has_spatial = s is not None
        if self.has_spatial:
            c = s.conv
            self.s_conv = nn.Conv2d(1, c.out_channels, (1, c.kernel_size[0]), stride=(1, c.stride[0]),
                                    padding=(0, c.padding[0]))
            with torch.no_grad():
                self.s_conv.weight.copy_(c.weight.unsqueeze(2))
                self.s_conv.bias.copy_(c.bias)
            self.s_proj_w = nn.Parameter(s.proj.weight.detach().t().contiguous().clone())          # [F, D]
            self.s_pos_b = nn.Parameter((s.pos.detach().reshape(self.channels, -1) + s.proj.bias.detach()).clone())
            self.s_blocks = nn.ModuleList([_FastBlock(b, self.channels) for b in s.blocks])
            self.channel_attention = s.channel_attention
            if s.channel_attention:
                self.att_hidden, self.att_score = s.att_hidden, s.att_score
        self.classifier = nn.Sequential(model.classifier[0], nn.ELU(), model.classifier[3], nn.ELU(),
                                        model.classifier[6])

    def temporal(self, x4):                                     # [B, C, 1, T]
        z = F.gelu(self.depthwise(self.pointwise(x4)))         # [B, Dp, 1, T]
        # Pooling drops what does not fill a last patch, so the cropped sample (T = P*W + 1) needs no Slice.
        z = F.avg_pool2d(z, (1, self.patch))                   # [B, Dp, 1, P]
        z = z[:, :self.emb].reshape(-1, self.emb, self.patches).transpose(1, 2)  # [B, P, D]
        z = (z + self.t_pos).reshape(-1, self.emb)             # [B*P, D]
        for b in self.t_blocks:
            z = b(z)
        return z.reshape(-1, self.patches, self.emb).mean(dim=1)

    def spatial(self, x):                                       # [B, C, T]
        z = self.s_conv(x.unsqueeze(1))                         # [B, F, C, T']
        # ELU as max(z, exp(min(z, 0)) - 1): the same function, but four vectorised kernels in ONNX Runtime are ~4x
        # faster than its Elu kernel here (the largest elementwise tensor of the model).
        z = torch.maximum(z, torch.exp(torch.minimum(z, torch.zeros((), dtype=z.dtype))) - 1)
        z = z.mean(dim=3).transpose(1, 2)                       # [B, C, F]
        z = torch.matmul(z, self.s_proj_w) + self.s_pos_b       # [B, C, D]: projection, its bias and the position
        z = z.reshape(-1, self.emb)                              # [B*C, D]
        for b in self.s_blocks:
            z = b(z)
        if not self.channel_attention:
            return z.reshape(-1, self.channels, self.emb).mean(dim=1)
        score = self.att_score(torch.tanh(self.att_hidden(z))).reshape(-1, self.channels, 1)
        w = torch.softmax(score, dim=1)
        return (w * z.reshape(-1, self.channels, self.emb)).sum(dim=1)

    def forward(self, eeg):
        f = self.temporal(eeg.unsqueeze(2))
        if self.has_spatial:
            f = torch.cat([f, self.spatial(eeg)], dim=1)
        return self.classifier(f)


class ExportedFast(nn.Module):
    """eeg -> (logits, probabilities), as model.Exported."""

    def __init__(self, fast):
        super().__init__()
        self.fast = fast

    def forward(self, eeg):
        logits = self.fast(eeg)
        return logits, torch.softmax(logits, dim=1)


def from_onnx(path, hyperparameters):
    """A DBConformer whose eval-mode outputs are those of an ONNX file written by export.py (any layout-preserving
    export of model.py): weights are read by the ONNX node that uses them; folded batch norms become identity ones."""
    proto = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    for node in proto.graph.node:
        # Folded constants may come as Constant nodes, and equal tensors as Identity nodes of one initializer.
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            inits[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        elif node.op_type == "Identity" and node.input[0] in inits:
            inits[node.output[0]] = inits[node.input[0]]
    cfg = {k: v for k, v in hyperparameters.items()}
    model = DBConformer(**cfg).eval()
    state = model.state_dict()
    found = {}

    def put(key, value):
        value = torch.from_numpy(np.array(value, dtype=np.float32))
        if tuple(state[key].shape) != tuple(value.shape):
            raise ValueError(f"{key}: ONNX gives {tuple(value.shape)}, the model wants {tuple(state[key].shape)}")
        found[key] = value

    # Parameters by the node that uses them (the exporter may share one initializer between equal tensors, so its name
    # is not enough); the names of "model.*" initializers only fill what no node names.
    for node in proto.graph.node:
        if not node.name.startswith("/model/"):
            continue
        parts = node.name[len("/model/"):].split("/")
        module = _module_key(parts[:-1])
        consts = [(k, i) for k, i in enumerate(node.input) if i in inits]
        if not consts:
            continue
        if node.op_type == "LayerNormalization":
            put(module + ".weight", inits[node.input[1]])
            if len(node.input) > 2 and node.input[2] in inits:
                put(module + ".bias", inits[node.input[2]])
        elif node.op_type == "MatMul":
            put(module + ".weight", inits[consts[0][1]].T)
        elif node.op_type == "Gemm":
            trans_b = any(a.name == "transB" and a.i == 1 for a in node.attribute)
            put(module + ".weight", inits[node.input[1]] if trans_b else inits[node.input[1]].T)
            if len(node.input) > 2 and node.input[2] in inits:
                put(module + ".bias", inits[node.input[2]])
        elif node.op_type == "Add":
            key = module + (".pos" if module in ("temporal", "spatial") else ".bias")
            if key in state:
                put(key, inits[consts[0][1]])
        elif node.op_type == "Conv":
            w = inits[node.input[1]]
            b = inits[node.input[2]] if len(node.input) > 2 else None
            if module in ("temporal.spatial", "temporal.temporal"):
                bn = "temporal.bn1" if module == "temporal.spatial" else "temporal.bn2"
                put(module + ".weight", w)
                # The export folded the batch norm into this convolution: make the model's batch norm the identity
                # plus the folded shift.
                eps = model.temporal.bn1.eps
                put(bn + ".weight", np.ones(w.shape[0]))
                put(bn + ".bias", b if b is not None else np.zeros(w.shape[0]))
                put(bn + ".running_mean", np.zeros(w.shape[0]))
                put(bn + ".running_var", np.full(w.shape[0], 1.0 - eps, dtype=np.float64))
            else:
                put(module + ".weight", w)
                if b is not None:
                    put(module + ".bias", b)
    for name, value in inits.items():
        key = name[len("model."):]
        if name.startswith("model.") and key in state and key not in found:
            put(key, value)
    missing = [k for k in state if k not in found and not k.endswith("num_batches_tracked")]
    if missing:
        raise ValueError(f"{path}: no weights found for {', '.join(missing)}")
    for k in state:
        if k.endswith("num_batches_tracked"):
            found[k] = state[k]
    model.load_state_dict(found)
    return model.eval()


def _module_key(parts):
    """['temporal', 'blocks', 'blocks.0', 'att', 'q'] -> 'temporal.blocks.0.att.q'."""
    out = []
    for p in parts:
        if out and "." in p and p.startswith(out[-1] + "."):
            out[-1] = p
        else:
            out.append(p)
    return ".".join(out)


def flops_per_window(model):
    """Multiply-adds x 2 of the convolutions and matrix products for one window (elementwise work not counted)."""
    cfg = model.config
    C, T = cfg["channels"], cfg["samples"]
    t = model.temporal
    D = t.spatial.out_channels
    k = t.temporal.kernel_size[0]
    mac = D * C * T + D * k * T

    def block_mac(n, emb, hidden):
        return 4 * n * emb * emb + 2 * n * n * emb + 2 * n * emb * hidden

    hidden = t.blocks[0].ffn[0].out_features if len(t.blocks) else 0
    mac += len(t.blocks) * block_mac(t.patches, D, hidden)
    s = model.spatial
    if s is not None:
        c = s.conv
        out_len = (T + 2 * c.padding[0] - c.kernel_size[0]) // c.stride[0] + 1
        mac += C * c.out_channels * c.kernel_size[0] * out_len + C * c.out_channels * D
        hidden = s.blocks[0].ffn[0].out_features if len(s.blocks) else 0
        mac += len(s.blocks) * block_mac(C, D, hidden)
        if s.channel_attention:
            mac += C * D * D + C * D
    mac += sum(m.in_features * m.out_features for m in model.classifier if isinstance(m, nn.Linear))
    return 2 * mac


def check_same(model, fast, count=4, seed=0, tol=1e-4):
    """The fast layout gives the model's logits (eval mode) on random windows; returns the largest difference."""
    rng = np.random.RandomState(seed)
    x = torch.from_numpy(rng.randn(count, model.config["channels"], model.config["samples"]).astype(np.float32))
    with torch.no_grad():
        a, b = model.eval()(x), fast.eval()(x)
    worst = float((a - b).abs().max())
    if not math.isfinite(worst) or worst > tol:
        raise RuntimeError(f"the export layout differs from the model by {worst:g} (tolerance {tol:g})")
    return worst
