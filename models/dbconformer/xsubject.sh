#!/usr/bin/env bash
# Cross-subject DBConformer on EEGMMIDB S001-S019, from the EDF files to the README table and the shipped model.
# Every step is resumable (finished results in models/dbconformer/runs/xsubject/ are kept and skipped).
#
#   bash models/dbconformer/xsubject.sh [DATA_DIR]     # DATA_DIR default: ../shared/data/eeg
#
# Environment: JOBS=2 runs the trainings in two processes (one thread each);
# ABLATIONS="name,name" limits the informative outer-fold variants (default: all of loso.py ABLATIONS;
# ABLATIONS=none skips them). Compute: about 40 trainings of 60 epochs on 21 channels, 3-25 min each on one
# core depending on how busy the machine is.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
data=${1:-$root/../shared/data/eeg}
py=/usr/bin/python3
d=models/dbconformer
jobs=${JOBS:-1}
dotnet build Pipeline.Host -c Release -v q -nologo >/dev/null
$py $d/eegmmidb_prepare.py --data "$data"

# All trainings (selection, final DBConformer and EEGNet, fine-tuning, ablations) as one job list shared by
# $jobs processes: each job is claimed with a lock file and writes one result file.
pids=()
for _ in $(seq "$jobs"); do
  $py $d/loso.py work --ablations "${ABLATIONS:-}" --wait & pids+=($!)
  sleep 5
done
for p in "${pids[@]}"; do wait "$p"; done
$py $d/fold_models.py
$py $d/loso.py ship
$py $d/loso.py report
