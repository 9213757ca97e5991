#!/usr/bin/env bash
# Packs `pipeline` for a GPU machine that has no .NET: a self-contained `dotnet publish -r linux-x64 -p:Gpu=true`
# (the CUDA ONNX Runtime; no ReadyToRun: start-up does not matter there and it would add a part), the demo model and recording, and bench/gpu-run.sh, as one .tar.gz split into
# parts of at most 60 MiB (with their SHA-256) in a git-ignored folder. Copy the parts and bench/gpu-run.sh to the
# GPU machine (the parts one by one if the transfer is limited) and run there:
#   bash bench/gpu-run.sh <folder with the parts>
# which joins, checks, unpacks and runs the GPU benchmarks (see that script).
#
# Usage (from anywhere, on the build machine; needs the .NET 10 SDK and the Microsoft.ML.OnnxRuntime.Gpu.Linux
# package from NuGet, ~245 MB the first time):
#   bash bench/gpu-check.sh                 # -> bench/out/gpu/parts/pipeline-gpu.tar.gz.part-00 ... + SHA256SUMS
#   OUT_DIR=/tmp/gpu PART_MIB=50 bash bench/gpu-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT_DIR:-bench/out/gpu}
part_mib=${PART_MIB:-60}
if [ "$part_mib" -gt 60 ] || [ "$part_mib" -lt 1 ]; then
  echo "PART_MIB must be 1 to 60 (parts of at most 60 MiB)" >&2
  exit 2
fi
stage=$out/stage/pipeline-gpu
parts=$out/parts
rm -rf "$out/stage" "$parts"
mkdir -p "$stage" "$parts"

echo "publishing pipeline (self-contained, linux-x64, CUDA ONNX Runtime) ..."
# A separate artifacts folder keeps the GPU build's obj/bin apart from the default CPU build.
dotnet publish Pipeline.Host -c Release -r linux-x64 --self-contained true -p:Gpu=true -p:PublishReadyToRun=false \
  --artifacts-path "$out/artifacts" -o "$stage/app" -v q -nologo
[ -x "$stage/app/pipeline" ] || { echo "publish produced no $stage/app/pipeline" >&2; exit 1; }
ls "$stage/app" | grep -q 'libonnxruntime_providers_cuda.so' \
  || { echo "the publish has no libonnxruntime_providers_cuda.so: was it built with -p:Gpu=true?" >&2; exit 1; }

# What the benchmarks need besides the program: the demo model (float and int8, with cards) and the demo recording.
mkdir -p "$stage/models" "$stage/recordings"
cp models/dbconformer-demo.onnx models/dbconformer-demo.json "$stage/models/"
[ -f models/dbconformer-demo-int8.onnx ] && cp models/dbconformer-demo-int8.onnx models/dbconformer-demo-int8.json "$stage/models/"
cp recordings/demo-mi.xdf "$stage/recordings/"
git rev-parse HEAD > "$stage/COMMIT" 2>/dev/null || echo unknown > "$stage/COMMIT"

echo "compressing ..."
tar -C "$out/stage" -czf "$out/pipeline-gpu.tar.gz" pipeline-gpu
split -b "${part_mib}M" -d -a 2 "$out/pipeline-gpu.tar.gz" "$parts/pipeline-gpu.tar.gz.part-"
rm "$out/pipeline-gpu.tar.gz"
(cd "$parts" && sha256sum pipeline-gpu.tar.gz.part-* > SHA256SUMS)
cp bench/gpu-run.sh "$parts/"

unpacked=$(du -sm "$stage" | cut -f1)
echo "unpacked: ${unpacked} MiB; parts in $parts:"
ls -l "$parts"
largest=$(find "$parts" -name 'pipeline-gpu.tar.gz.part-*' -printf '%s\n' | sort -n | tail -1)
if [ "$largest" -gt $((60 * 1024 * 1024)) ]; then
  echo "a part is larger than 60 MiB ($largest bytes)" >&2
  exit 1
fi
rm -rf "$out/stage"
echo "on the GPU machine: bash gpu-run.sh <folder with the parts>   (or: bash bench/gpu-run.sh $parts)"
