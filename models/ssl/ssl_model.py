"""The upstream (wav2vec 2.0-style, torchaudio builders), all-hidden-states extraction, the two interfaces
(weighted sum, hierarchical log-depth convolution in Conv1d and in pad+gather+MatMul form) and the keyword head.
Our own code, written from the facts in ../shared/docs/ssl-interface.md."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchaudio.models import wav2vec2_model

TINY = dict(extractor_mode="group_norm",
            extractor_conv_layer_config=[(64, 10, 5)] + [(64, 3, 2)] * 4 + [(64, 2, 2)] * 2,
            extractor_conv_bias=False, encoder_embed_dim=128, encoder_projection_dropout=0.0,
            encoder_pos_conv_kernel=32, encoder_pos_conv_groups=8, encoder_num_layers=8, encoder_num_heads=4,
            encoder_attention_dropout=0.0, encoder_ff_interm_features=256, encoder_ff_interm_dropout=0.0,
            encoder_dropout=0.0, encoder_layer_norm_first=True, encoder_layer_drop=0.0, aux_num_out=None)


def tiny_upstream():
    return wav2vec2_model(**TINY)


def frames_for(samples):
    return (samples - 400) // 320 + 1


def hidden_states(model, wave, mask=None, mask_emb=None):
    """All hidden states [L, B, T, D] with the fairseq/HF convention: layer 0 is the transformer input after the
    positional conv (and, for post-LN models, the LayerNorm); for pre-LN models the last layer gets the final
    LayerNorm. (torchaudio 0.13's own Transformer applies that LayerNorm at the other end, so we walk the layers.)"""
    x, _ = model.feature_extractor(wave, None)
    x = model.encoder.feature_projection(x)
    if mask is not None:
        x = torch.where(mask.unsqueeze(-1), mask_emb.to(x.dtype).expand_as(x), x)
    t = model.encoder.transformer
    x = x + t.pos_conv_embed(x)
    if not t.layer_norm_first:
        x = t.layer_norm(x)
    out = [x]
    for layer in t.layers:
        x = layer(x, None)
        if isinstance(x, tuple):  # torchaudio >= 2.0 layers also return a position bias
            x = x[0]
        out.append(x)
    if t.layer_norm_first:
        out[-1] = t.layer_norm(out[-1])
    return torch.stack(out, 0)


class AllHiddenStates(nn.Module):
    """Export wrapper: wave [B, N] → hidden_states [L, B, T, D]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, wave):
        return hidden_states(self.model, wave)


def hconv_plan(L, D, kernel=5, stride=3, padding=2):
    """Stage count ⌊log_s L⌋ with an integer loop, the layer-axis lengths and the last stage's channels."""
    n, p = 0, stride
    while p <= L:
        n += 1
        p *= stride
    lengths = [L]
    for _ in range(n):
        lengths.append((lengths[-1] + 2 * padding - kernel) // stride + 1)
    return n, lengths, D // lengths[-1]


class WeightedSum(nn.Module):
    """SUPERB baseline: softmax(w)·h over the layer axis; w starts at zero."""

    def __init__(self, L, D):
        super().__init__()
        self.weights = nn.Parameter(torch.zeros(L))
        self.out_dim = D

    def forward(self, h):  # [L, B, T, D]
        w = torch.softmax(self.weights, 0)
        return (w.view(-1, 1, 1, 1) * h).sum(0)


class HConv(nn.Module):
    """Hierarchical convolution along the layer axis (kernel 5, stride 3, padding 2, ReLU after every stage)."""

    def __init__(self, L, D):
        super().__init__()
        n, lengths, last = hconv_plan(L, D)
        self.lengths = lengths
        self.convs = nn.ModuleList(nn.Conv1d(D, last if i == n - 1 else D, 5, 3, 2) for i in range(n))
        self.out_dim = last * lengths[-1]

    def forward(self, h):  # [L, B, T, D]
        L, B, T, D = h.shape
        x = h.permute(1, 2, 3, 0).reshape(B * T, D, L)
        for conv in self.convs:
            x = F.relu(conv(x))
        return x.reshape(B, T, -1)  # channel-major flatten of (channels, L_n)


class HConvMatMul(nn.Module):
    """The same maths as HConv as pad + gather windows + one MatMul per stage (fast in ONNX Runtime)."""

    def __init__(self, hconv: HConv):
        super().__init__()
        self.lengths = hconv.lengths
        self.out_dim = hconv.out_dim
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.indices = []
        for i, conv in enumerate(hconv.convs):
            w = conv.weight.detach()  # [out, in, k]
            self.weights.append(nn.Parameter(w.permute(2, 1, 0).reshape(-1, w.shape[0]).clone()))  # [(k, in), out]
            self.biases.append(nn.Parameter(conv.bias.detach().clone()))
            lout = self.lengths[i + 1]
            idx = torch.arange(lout).unsqueeze(1) * 3 + torch.arange(5).unsqueeze(0)  # [lout, k] into the padded axis
            self.register_buffer(f"idx{i}", idx.reshape(-1), persistent=False)
            self.indices.append(lout)

    def forward(self, h):  # [L, B, T, D]
        L, B, T, D = h.shape
        x = h.permute(1, 2, 0, 3).reshape(B * T, L, D)  # layers as a sequence, channels last
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = F.pad(x, (0, 0, 2, 2))
            lout = self.indices[i]
            g = torch.index_select(x, 1, getattr(self, f"idx{i}"))  # [BT, lout*5, C]
            g = g.reshape(B * T, lout, 5 * x.shape[-1])
            x = F.relu(torch.matmul(g, w) + b)  # [BT, lout, out]
        x = x.transpose(1, 2)  # channel-major flatten, as HConv
        return x.reshape(B, T, -1)


class KeywordHead(nn.Module):
    """Utterance head over the interface output: Linear → ReLU, two temporal convolutions (kernel 5, dilation 1 and 2,
    residual, ~260 ms receptive field so word order counts: "no" vs "on"), then mean and max over time → Linear."""

    def __init__(self, in_dim, classes, hidden=128, dropout=0.15):
        super().__init__()
        self.proj = nn.Linear(in_dim, hidden)
        self.conv1 = nn.Conv1d(hidden, hidden, 5, padding=2)
        self.conv2 = nn.Conv1d(hidden, hidden, 5, padding=4, dilation=2)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(2 * hidden, classes)

    def forward(self, x):  # [B, T, D]
        x = self.drop(F.relu(self.proj(x))).transpose(1, 2)  # [B, H, T]
        x = x + F.relu(self.conv1(x))
        x = x + F.relu(self.conv2(x))
        x = self.drop(torch.cat([x.mean(2), x.amax(2)], 1))
        return self.out(x)


class InterfaceHead(nn.Module):
    """hidden_states [L, B, T, D] → logits, probabilities [B, K]."""

    def __init__(self, interface, head, normalize=False, D=None):
        super().__init__()
        self.interface = interface
        self.head = head
        self.normalize = normalize

    def forward(self, h):
        if self.normalize:  # each hidden state to zero mean, unit variance over its D values (no parameters)
            mu = h.mean(-1, keepdim=True)
            h = (h - mu) / torch.sqrt(((h - mu) ** 2).mean(-1, keepdim=True) + 1e-5)
        logits = self.head(self.interface(h))
        return logits, torch.softmax(logits, -1)
