"""DBConformer (dual-branch convolutional transformer for EEG decoding).

Our own re-implementation, written only from docs/dbconformer.md (facts of the model
in our own words). The reference repository is under a non-commercial licence and
was not consulted.

Input: aligned epochs, float32 [batch, channels, samples]. Output: logits [batch, classes].
For 22 channels, 1001 samples, 2 classes, depth 2 the model has 93,747 parameters
(93,813 for 4 classes): the paper's 92,066 leaves out the 1,681-parameter channel-attention MLP.
"""
import math

import torch
from torch import nn


class Attention(nn.Module):
    """Multi-head self-attention with separate q/k/v/out projections.

    Scores are divided by sqrt(emb) (not sqrt(head_dim)), as in EEG Conformer.
    Written with plain matmuls so that it exports to ONNX at any opset >= 11.
    """

    def __init__(self, emb, heads, dropout):
        super().__init__()
        if emb % heads:
            raise ValueError(f"emb {emb} not divisible by heads {heads}")
        self.emb, self.heads, self.head_dim = emb, heads, emb // heads
        self.q = nn.Linear(emb, emb)
        self.k = nn.Linear(emb, emb)
        self.v = nn.Linear(emb, emb)
        self.out = nn.Linear(emb, emb)
        self.drop = nn.Dropout(dropout)
        self.scale = 1.0 / math.sqrt(emb)

    def _split(self, x, n):
        # [B, N, D] -> [B, H, N, d]
        return x.reshape(-1, n, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x):
        n = x.shape[1]
        q, k, v = self._split(self.q(x), n), self._split(self.k(x), n), self._split(self.v(x), n)
        att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * self.scale, dim=-1)
        att = self.drop(att)
        y = torch.matmul(att, v).permute(0, 2, 1, 3).reshape(-1, n, self.emb)
        return self.out(y)


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x += Drop(MHA(LN x)); x += Drop(FFN(LN x))."""

    def __init__(self, emb, heads, dropout, expansion=4):
        super().__init__()
        self.ln1 = nn.LayerNorm(emb)
        self.att = Attention(emb, heads, dropout)
        self.drop1 = nn.Dropout(dropout)
        self.ln2 = nn.LayerNorm(emb)
        self.ffn = nn.Sequential(
            nn.Linear(emb, expansion * emb), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(expansion * emb, emb))
        self.drop2 = nn.Dropout(dropout)

    def forward(self, x):
        x = x + self.drop1(self.att(self.ln1(x)))
        return x + self.drop2(self.ffn(self.ln2(x)))


class TemporalBranch(nn.Module):
    """T-Conformer: spatial 1x1 conv -> depthwise temporal conv -> patch pooling -> blocks -> mean."""

    def __init__(self, channels, samples, emb, kernel, patch, crop_last, depth, heads, dropout):
        super().__init__()
        self.crop_last = crop_last
        used = samples - (1 if crop_last else 0)
        self.patches = used // patch
        if self.patches < 1:
            raise ValueError(f"{samples} samples give no patch of {patch}")
        self.spatial = nn.Conv1d(channels, emb, 1, bias=False)
        self.bn1 = nn.BatchNorm1d(emb)
        self.temporal = nn.Conv1d(emb, emb, kernel, padding=kernel // 2, groups=emb, bias=False)
        self.bn2 = nn.BatchNorm1d(emb)
        self.act = nn.GELU()
        self.pool = nn.AvgPool1d(patch, patch)
        self.drop = nn.Dropout(dropout)
        self.pos = nn.Parameter(torch.randn(1, self.patches, emb))
        self.blocks = nn.Sequential(*[Block(emb, heads, dropout) for _ in range(depth)])

    def forward(self, x):                       # [B, C, T]
        x = self.bn1(self.spatial(x))           # [B, D, T]
        x = self.act(self.bn2(self.temporal(x)))
        if self.crop_last:
            x = x[:, :, :-1]
        x = self.drop(self.pool(x))             # [B, D, P]
        x = x.transpose(1, 2) + self.pos        # [B, P, D]
        return self.blocks(x).mean(dim=1)       # [B, D]


class SpatialBranch(nn.Module):
    """S-Conformer: per-channel conv embedding -> channel tokens -> blocks -> channel attention."""

    def __init__(self, channels, samples, emb, filters, kernel, stride, depth, heads, dropout,
                 channel_attention):
        super().__init__()
        self.channels, self.samples = channels, samples
        self.conv = nn.Conv1d(1, filters, kernel, stride=stride, padding=kernel // 2)
        self.act = nn.ELU()
        self.proj = nn.Linear(filters, emb)
        self.pos = nn.Parameter(torch.randn(1, channels, emb))
        self.blocks = nn.Sequential(*[Block(emb, heads, dropout) for _ in range(depth)])
        self.channel_attention = channel_attention
        if channel_attention:
            self.att_hidden = nn.Linear(emb, emb)
            self.att_score = nn.Linear(emb, 1)

    def forward(self, x):                                    # [B, C, T]
        z = x.reshape(-1, 1, self.samples)                   # [B*C, 1, T]
        z = self.act(self.conv(z)).mean(dim=-1)              # [B*C, filters]
        z = self.proj(z).reshape(-1, self.channels, self.proj.out_features)  # [B, C, D]
        z = self.blocks(z + self.pos)
        if not self.channel_attention:
            return z.mean(dim=1)
        w = torch.softmax(self.att_score(torch.tanh(self.att_hidden(z))), dim=1)  # [B, C, 1]
        return (w * z).sum(dim=1)                            # [B, D]


class DBConformer(nn.Module):
    """Dual-branch conformer. forward(x[B, C, T]) -> logits[B, classes]."""

    def __init__(self, channels=22, samples=1001, classes=2, depth=2, temporal_depth=None,
                 spatial_depth=None, emb=40, heads=10, temporal_kernel=63, patch=125,
                 crop_last=True, spatial_filters=16, spatial_kernel=25, spatial_stride=5,
                 dropout=0.5, channel_attention=True, spatial_branch=True):
        super().__init__()
        self.config = dict(
            channels=channels, samples=samples, classes=classes, depth=depth,
            temporal_depth=temporal_depth, spatial_depth=spatial_depth, emb=emb, heads=heads,
            temporal_kernel=temporal_kernel, patch=patch, crop_last=crop_last,
            spatial_filters=spatial_filters, spatial_kernel=spatial_kernel,
            spatial_stride=spatial_stride, dropout=dropout,
            channel_attention=channel_attention, spatial_branch=spatial_branch)
        lt = depth if temporal_depth is None else temporal_depth
        ls = depth if spatial_depth is None else spatial_depth
        self.temporal = TemporalBranch(channels, samples, emb, temporal_kernel, patch, crop_last,
                                       lt, heads, dropout)
        self.spatial = (SpatialBranch(channels, samples, emb, spatial_filters, spatial_kernel,
                                      spatial_stride, ls, heads, dropout, channel_attention)
                        if spatial_branch else None)
        feat = emb * (2 if spatial_branch else 1)
        self.classifier = nn.Sequential(
            nn.Linear(feat, 64), nn.ELU(), nn.Dropout(0.5),
            nn.Linear(64, 32), nn.ELU(), nn.Dropout(0.3),
            nn.Linear(32, classes))

    def features(self, x):
        f = self.temporal(x)
        if self.spatial is not None:
            f = torch.cat([f, self.spatial(x)], dim=1)
        return f                                              # [B, 80]

    def forward(self, x):
        return self.classifier(self.features(x))


class Exported(nn.Module):
    """What goes into the ONNX file: eeg -> (logits, probabilities)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, eeg):
        logits = self.model(eeg)
        return logits, torch.softmax(logits, dim=1)


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def default_patch(rate):
    """Patch width W: 125 at 250 Hz, 128 at 512 Hz (as the paper's settings), else ~0.5 s."""
    if abs(rate - 250) < 1:
        return 125
    if abs(rate - 512) < 1:
        return 128
    return max(1, int(round(rate / 2)))


if __name__ == "__main__":
    for k in (2, 4):
        print(k, "classes:", count_parameters(DBConformer(22, 1001, k)))
