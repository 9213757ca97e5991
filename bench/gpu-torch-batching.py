"""What micro-batching buys on a GPU for our DBConformer (22 channels x 1000 samples, 2 classes), in PyTorch.

The C# pipeline's CUDA path needs the ONNX Runtime CUDA provider, which a GPU machine without .NET cannot run; this
script measures the same architecture directly so the batch-size buckets can be chosen from evidence. Eval mode,
no gradients, CUDA events; median of 50 runs per batch size after warm-up. Prints one table.
Usage: python3 bench/gpu-torch-batching.py
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "models", "dbconformer"))
from model import DBConformer  # noqa: E402


def main() -> None:
    if not torch.cuda.is_available():
        print("CUDA is absent: torch.cuda.is_available() is False")
        return
    device = torch.device("cuda")
    print(f"GPU: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    model = DBConformer(channels=22, samples=1000, classes=2).to(device).eval()
    rows = []
    with torch.no_grad():
        for batch in (1, 2, 4, 8, 16, 32, 64, 128, 256):
            x = torch.randn(batch, 22, 1000, device=device)
            for _ in range(10):
                model(x)
            torch.cuda.synchronize()
            times = []
            for _ in range(50):
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                model(x)
                end.record()
                torch.cuda.synchronize()
                times.append(start.elapsed_time(end))
            times.sort()
            median = times[len(times) // 2]
            rows.append((batch, median, median / batch, batch / median * 1000))
    print(f"{'batch':>5} {'ms per run':>11} {'ms per window':>14} {'windows per s':>14}")
    for batch, ms, per, rate in rows:
        print(f"{batch:>5} {ms:>11.3f} {per:>14.4f} {rate:>14.0f}")
    base = rows[0][3]
    best = max(rows, key=lambda r: r[3])
    print(f"throughput at batch {best[0]} is {best[3] / base:.1f}x batch 1")


if __name__ == "__main__":
    main()
