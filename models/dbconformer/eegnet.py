"""EEGNet (Lawhern et al. 2018, J. Neural Eng. 15:056013), written here from the paper's description.

EEGNet-F1,D: temporal conv (F1 filters, kernel = half the sampling rate) -> BatchNorm -> depthwise
spatial conv over all C channels (D filters per temporal filter, max-norm 1) -> BatchNorm -> ELU ->
average pool 4 -> dropout -> separable conv (depthwise kernel 16, then pointwise to F2 = F1 * D) ->
BatchNorm -> ELU -> average pool 8 -> dropout -> flatten -> dense (max-norm 0.25) -> class logits.
The paper uses dropout 0.5 across subjects (0.25 within), F1 = 8, D = 2 (EEGNet-8,2), kernel 64 at
128 Hz; here the kernel is rate / 2 (80 at 160 Hz).
"""
import torch
from torch import nn


class EEGNet(nn.Module):
    def __init__(self, channels, samples, classes=2, rate=160.0, f1=8, d=2, f2=None, dropout=0.5,
                 kernel=None, separable_kernel=16):
        super().__init__()
        f2 = f2 or f1 * d
        kernel = kernel or int(round(rate / 2))
        self.config = dict(channels=channels, samples=samples, classes=classes, rate=rate, f1=f1, d=d, f2=f2,
                           dropout=dropout, kernel=kernel, separable_kernel=separable_kernel)
        self.temporal = nn.Conv2d(1, f1, (1, kernel), padding=(0, kernel // 2), bias=False)
        self.bn1 = nn.BatchNorm2d(f1)
        self.spatial = nn.Conv2d(f1, f1 * d, (channels, 1), groups=f1, bias=False)
        self.bn2 = nn.BatchNorm2d(f1 * d)
        self.pool1 = nn.AvgPool2d((1, 4))
        self.drop1 = nn.Dropout(dropout)
        self.depthwise = nn.Conv2d(f1 * d, f1 * d, (1, separable_kernel), padding=(0, separable_kernel // 2),
                                   groups=f1 * d, bias=False)
        self.pointwise = nn.Conv2d(f1 * d, f2, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(f2)
        self.pool2 = nn.AvgPool2d((1, 8))
        self.drop2 = nn.Dropout(dropout)
        self.act = nn.ELU()
        with torch.no_grad():
            n = self._features(torch.zeros(1, channels, samples)).shape[1]
        self.dense = nn.Linear(n, classes)

    def _features(self, x):                          # [B, C, T]
        # Same operations as Conv2d(1, F1, (1, K)) and the depthwise Conv2d(F1, F1*D, (C, 1)), computed as a
        # conv1d over channels and one einsum: several times faster on CPU than mkldnn's 2-D paths.
        b, c, t = x.shape
        f1, k = self.temporal.out_channels, self.temporal.kernel_size[1]
        h = nn.functional.conv1d(x.reshape(b * c, 1, t), self.temporal.weight.view(f1, 1, k), padding=k // 2)
        h = self.bn1(h.view(b, c, f1, -1).permute(0, 2, 1, 3))                     # [B, F1, C, T']
        w = self.spatial.weight.view(f1, -1, c)                                     # [F1, D, C]
        x = torch.einsum("bfct,fdc->bfdt", h, w).reshape(b, -1, 1, h.shape[-1])     # [B, F1*D, 1, T']
        x = self.drop1(self.pool1(self.act(self.bn2(x))))
        x = self.act(self.bn3(self.pointwise(self.depthwise(x))))
        return self.drop2(self.pool2(x)).flatten(1)

    def forward(self, x):
        return self.dense(self._features(x))

    def constrain(self):
        """Max-norm constraints of the paper: spatial filters 1, dense layer 0.25 (after every step)."""
        with torch.no_grad():
            w = self.spatial.weight
            w.copy_(torch.renorm(w, 2, 0, 1.0))
            self.dense.weight.copy_(torch.renorm(self.dense.weight, 2, 0, 0.25))
