#!/usr/bin/env bash
# Runs the GPU benchmarks from the parts made by bench/gpu-check.sh, on a machine without .NET: joins the parts
# (checking their SHA-256), unpacks the self-contained pipeline, points the loader at the CUDA 13 / cuDNN 9 libraries
# of the nvidia-* pip packages in its python3's site-packages (nvidia/*/lib: cublas, cudnn, cufft, curand,
# cuda_runtime ...), and measures:
#   1. the C# runner's per-window model time at batch 1, 8 and 64, CUDA against CPU (bench model);
#   2. bench latency --device cuda at 64 to 1024 sessions (random phases; batching + workers), and the CPU beside it.
# Without a GPU (or without the libraries) every CUDA run falls back to the CPU and says so in one line; the script
# then reports the CPU rows and that CUDA was absent.
#
# Usage:  bash gpu-run.sh [PARTS_DIR] [WORK_DIR]     (default PARTS_DIR: the script's folder; WORK_DIR: PARTS_DIR/run)
# Environment: SESSIONS (default 64,128,256,512,1024), SECONDS_EACH (default 10), CPU_SESSIONS (default 64,128,256),
#   PYTHON (default python3), MODEL_SECONDS (default 20).
set -euo pipefail
parts=$(cd "${1:-$(dirname "$0")}" && pwd)
work=${2:-$parts/run}
sessions=${SESSIONS:-64,128,256,512,1024}
cpu_sessions=${CPU_SESSIONS:-64,128,256}
seconds=${SECONDS_EACH:-10}
model_seconds=${MODEL_SECONDS:-20}
python=${PYTHON:-python3}

ls "$parts"/pipeline-gpu.tar.gz.part-* >/dev/null 2>&1 || { echo "no pipeline-gpu.tar.gz.part-* in $parts (make them with bench/gpu-check.sh)" >&2; exit 2; }
echo "checking and joining the parts in $parts ..."
(cd "$parts" && sha256sum -c --quiet SHA256SUMS) || { echo "a part is damaged or missing (SHA256SUMS); copy it again" >&2; exit 3; }
mkdir -p "$work"
rm -rf "$work/pipeline-gpu"
cat "$parts"/pipeline-gpu.tar.gz.part-* | tar -xz -C "$work"
app=$work/pipeline-gpu
pipeline=$app/app/pipeline
echo "unpacked $(cat "$app/COMMIT") to $app"

# The CUDA libraries of the pip packages (nvidia-cublas, nvidia-cudnn-cu13, nvidia-cufft, nvidia-curand,
# nvidia-cuda-runtime ...): every nvidia/*/lib folder under this python's site-packages.
libs=$("$python" - <<'PY' 2>/dev/null || true
import glob, os, site
roots = list(site.getsitepackages()) + [site.getusersitepackages()]
seen = []
for r in roots:
    # nvidia/<package>/lib (cudnn, cublas, ...) and the CUDA 13 wheels' shared nvidia/cu13/lib (lib64 for good measure)
    for d in sorted(glob.glob(os.path.join(r, "nvidia", "*", "lib")) + glob.glob(os.path.join(r, "nvidia", "*", "lib64"))):
        if d not in seen:
            seen.append(d)
print(":".join(seen))
PY
)
if [ -n "$libs" ]; then
  export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "CUDA libraries from: ${libs//:/ }"
else
  echo "no nvidia/*/lib folders under $python's site-packages: CUDA will not load"
fi
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)
  echo "GPU: $gpu"
else
  gpu=""
  echo "GPU: none (no working nvidia-smi): the CUDA runs below fall back to the CPU"
fi
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"

out=$work/results
mkdir -p "$out"
cd "$app"
export NO_COLOR=1
echo
echo "== model time, C# runner: CPU, batch 1 / 8 / 64 =="
"$pipeline" bench model -m models/dbconformer-demo.onnx --batch 1,8,64 --device cpu --seconds "$model_seconds" --json "$out/model-cpu.json"
echo
echo "== model time, C# runner: CUDA, batch 1 / 8 / 64 =="
"$pipeline" bench model -m models/dbconformer-demo.onnx --batch 1,8,64 --device cuda --seconds "$model_seconds" --json "$out/model-cuda.json"
echo
echo "== bench latency, CUDA, sessions $sessions =="
"$pipeline" bench latency --device cuda --max-batch 64 --modes batched,workers --workers 2 --sessions "$sessions" --seconds "$seconds" \
  --json "$out/latency-cuda.json" --png "$out/latency-cuda"
echo
echo "== bench latency, CPU, sessions $cpu_sessions =="
"$pipeline" bench latency --device cpu --modes workers --sessions "$cpu_sessions" --seconds "$seconds" \
  --json "$out/latency-cpu.json" --png "$out/latency-cpu"

"$python" - "$out" "$gpu" <<'PY'
import json, os, sys
out, gpu = sys.argv[1], sys.argv[2]
def load(name):
    p = os.path.join(out, name)
    return json.load(open(p)) if os.path.exists(p) else None
print()
print("per-window model time (ms), median [p10-p90], C# runner with pre-bound buffers (copies to and from the GPU included)")
print(f"{'device':8} {'batch':>5} {'ms/window':>10} {'p10':>8} {'p90':>8} {'windows/s':>10}")
for name in ("model-cpu.json", "model-cuda.json"):
    d = load(name)
    if not d:
        continue
    dev = d["Device"] if not (name == "model-cuda.json" and d["Device"] != "cuda") else "cpu*"
    for r in d["Rows"]:
        ms = r["MsPerWindowMedian"]
        print(f"{dev:8} {r['Batch']:>5} {ms:>10.4f} {r['MsPerWindowP10']:>8.4f} {r['MsPerWindowP90']:>8.4f} {1000 / ms:>10.0f}")
print()
print(f"{'device':8} {'mode':9} {'sessions':>8} {'batch':>5} {'dec/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'drops':>6} {'CPU %':>6} {'ok':>3}")
for name in ("latency-cuda.json", "latency-cpu.json"):
    d = load(name)
    if not d:
        continue
    dev = "cuda" if "cuda" in name else "cpu"
    if dev == "cuda" and "device: cuda" not in d.get("device", ""):
        dev = "cpu*"
    for r in d["rows"]:
        f = lambda v, w, p: f"{v:>{w}.{p}f}" if isinstance(v, (int, float)) else f"{'-':>{w}}"
        print(f"{dev:8} {r['Mode']:9} {r['Sessions']:>8} {f(r['MeanBatch'], 5, 1)} {f(r['DecisionsPerSecond'], 7, 0)} {f(r['P50Ms'], 8, 2)} "
              f"{f(r['P99Ms'], 8, 2)} {f(r['MaxMs'], 8, 1)} {r['Drops']:>6} {f(r['CpuPercentOfMachine'], 6, 0)} {'yes' if r['Sustained'] else 'no':>3}")
if not gpu:
    print("cpu* = asked for CUDA, ran on the CPU: no GPU on this machine")
PY
echo "results in $out"
