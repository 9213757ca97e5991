#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU: builds pipeline with the CUDA ONNX Runtime (-p:Gpu=true), runs the
# latency benchmark on CUDA and on the CPU, and prints one table. On a machine without a GPU it says that CUDA is
# absent and prints the CPU rows. Usage (from anywhere):
#   bash bench/gpu-check.sh                      # sessions 1,8,32,64,128; 10 s each
#   SESSIONS=8,64 SECONDS_EACH=5 bash bench/gpu-check.sh
# Needs the .NET 10 SDK (or PIPELINE=path/to/a/published/pipeline) and, for CUDA, CUDA 13 + cuDNN libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
sessions=${SESSIONS:-1,8,32,64,128}
seconds=${SECONDS_EACH:-10}
out=${OUT_DIR:-bench/out}
mkdir -p "$out"

if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1)
  echo "GPU: $gpu"
else
  gpu=""
  echo "GPU: none — CUDA is absent on this machine (no working nvidia-smi); only the CPU rows will be measured."
fi

pipeline=${PIPELINE:-}
if [ -z "$pipeline" ]; then
  echo "building pipeline with the CUDA ONNX Runtime (-p:Gpu=true) ..."
  # A separate artifacts folder keeps the GPU build apart from the default CPU build.
  dotnet build Pipeline.Host -c Release -p:Gpu=true --artifacts-path "$out/gpu-artifacts" -v q -nologo >/dev/null
  pipeline=$(find "$out/gpu-artifacts/bin/Pipeline.Host" -name pipeline -type f | head -1)
fi

common=(bench latency --sessions "$sessions" --seconds "$seconds" --warmup 6)
echo "== CPU =="
"$pipeline" "${common[@]}" --device cpu --json "$out/latency-cpu.json" --png "$out/latency-cpu"
if [ -n "$gpu" ]; then
  echo "== CUDA =="
  "$pipeline" "${common[@]}" --device cuda --max-batch 64 --json "$out/latency-cuda.json" --png "$out/latency-cuda"
else
  echo "== CUDA =="
  # --device auto shows the fallback line the pipeline prints when CUDA cannot be loaded.
  "$pipeline" bench inference --device auto --repeat 1 | head -3
fi

python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
rows = []
for dev in ("cpu", "cuda"):
    p = os.path.join(out, f"latency-{dev}.json")
    if os.path.exists(p):
        d = json.load(open(p))
        for r in d["rows"]:
            rows.append((dev, d.get("device", ""), r))
print()
print(f"{'device':6} {'mode':9} {'sessions':>8} {'batch':>5} {'dec/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'drops':>6} {'CPU %':>6} {'ok':>3}")
for dev, line, r in rows:
    ok = "yes" if r["P99Ms"] <= 50 and r["Drops"] == 0 else "no"
    print(f"{dev:6} {r['Mode']:9} {r['Sessions']:>8} {r['MeanBatch']:>5.1f} {r['DecisionsPerSecond']:>7.0f} {r['P50Ms']:>8.2f} {r['P99Ms']:>8.2f} {r['MaxMs']:>8.1f} {r['Drops']:>6} {r['CpuPercentOfMachine']:>6.0f} {ok:>3}")
if not any(dev == "cuda" for dev, _, _ in rows):
    print("cuda   (absent: no GPU on this machine)")
PY
