#!/usr/bin/env bash
# Rebuilds the demo model models/dbconformer-demo.onnx (+ card + golden file) from simulated sessions whose seeds
# differ from the demo recording's (seed 1), and reports its accuracy on the demo recording's epochs.
# Usage: bash models/dbconformer/make-demo.sh   (from the repository root; about 10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build Pipeline.Host -c Release -v q -nologo >/dev/null
pipeline=Pipeline.Host/bin/Release/net10.0/pipeline
work=models/dbconformer/runs/demo
mkdir -p "$work"
train=()
for seed in 2 3 4 5; do
  "$pipeline" simulate --minutes 8 --seed "$seed" --out "$work/sim-seed$seed.xdf"
  "$pipeline" epochs "$work/sim-seed$seed.xdf" --markers left,right --tmin 0.5 --tmax 4.5 --band 8 30 --out "$work/sim-seed$seed.npz"
  train+=("$work/sim-seed$seed.npz")
done
[ -f recordings/demo-mi.xdf ] || "$pipeline" simulate --minutes 3 --seed 1 --out recordings/demo-mi.xdf
"$pipeline" epochs recordings/demo-mi.xdf --markers left,right --tmin 0.5 --tmax 4.5 --band 8 30 --out "$work/demo-seed1.npz"
/usr/bin/python3 models/dbconformer/train.py "${train[@]}" --test "$work/demo-seed1.npz" --out "$work" --max-epochs "${MAX_EPOCHS:-100}"
/usr/bin/python3 models/dbconformer/export.py "$work/checkpoint.pt" --out models/dbconformer-demo.onnx
