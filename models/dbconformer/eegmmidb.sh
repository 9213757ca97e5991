#!/usr/bin/env bash
# DBConformer vs CSP+LDA on real EEG: PhysioNet EEGMMIDB subject S001, cross-run (train on whole runs,
# test on another whole run). Three configurations:
#   a  lr-imagery     imagined left/right fist        train R04           test R08
#   b  lr-exec-imag   executed + imagined left/right  train R03 R04 R07   test R08
#   c  ff-imagery     imagined both fists/both feet   train R06           test R10
# Epochs: T1/T2 cues, 0.5-3.5 s, causal 8-30 Hz band-pass (480 samples at 160 Hz, 64 channels).
# Euclidean alignment uses the TRAINING epochs' reference only; the test run is aligned with that
# matrix (no statistics of the test run are used). CSP+LDA sees the same aligned epochs.
#
# Usage (from anywhere; outputs go to models/dbconformer/runs/eegmmidb/, which is git-ignored):
#   bash models/dbconformer/eegmmidb.sh [DATA_DIR]      # default DATA_DIR: ../shared/data/eeg/eegmmidb-S001
# Environment: SEEDS (default "1 2 3"), MAX_EPOCHS (default 100), THREADS (default 2),
#   TRAIN_ARGS (extra train.py options, e.g. "--val-fraction 0" = no early stopping, train all MAX_EPOCHS)
#   and TAG (suffix of the output folders, so such a variant does not overwrite the default run).
# About 8 minutes for the default 3 seeds on 2 busy shared cores (less when idle). The trained
# checkpoints stay in runs/: do not commit them (the data is PhysioNet's, ODC-By, not ours to ship).
set -euo pipefail
here=$(pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -ge 1 ]; then
  case "$1" in /*) data=$1 ;; *) data=$here/$1 ;; esac
else
  data=$root/../shared/data/eeg/eegmmidb-S001
fi
cd "$root"
seeds=${SEEDS:-1 2 3}
max_epochs=${MAX_EPOCHS:-100}
threads=${THREADS:-2}
tag=${TAG:-}
read -r -a extra <<< "${TRAIN_ARGS:-}"
for r in 03 04 06 07 08 10; do
  [ -f "$data/S001R$r.edf" ] || { echo "missing $data/S001R$r.edf (give the EEGMMIDB S001 folder as argument)" >&2; exit 2; }
done

dotnet build Pipeline.Host -c Release -v q -nologo >/dev/null
pipeline=Pipeline.Host/bin/Release/net10.0/pipeline
work=models/dbconformer/runs/eegmmidb
mkdir -p "$work"

epochs() {  # run classes
  "$pipeline" epochs "$data/S001R$1.edf" --markers T1,T2 --classes "$2" \
    --tmin 0.5 --tmax 3.5 --band 8 30 --out "$work/r$1.npz"
}
for r in 03 04 07 08; do epochs "$r" left,right; done
for r in 06 10; do epochs "$r" fists,feet; done

train() {  # name test train...
  local name=$1 test=$2; shift 2
  local files=()
  for r in "$@"; do files+=("$work/r$r.npz"); done
  for seed in $seeds; do
    local out=$work/$name$tag/seed$seed
    mkdir -p "$out"
    echo "== $name seed $seed: train ${*/#/R} test R$test"
    /usr/bin/python3 models/dbconformer/train.py "${files[@]}" --test "$work/r$test.npz" --out "$out" \
      --seed "$seed" --threads "$threads" --max-epochs "$max_epochs" ${extra[@]+"${extra[@]}"} > "$out/train.log" 2>&1 \
      || { cat "$out/train.log" >&2; exit 1; }
    grep '^test accuracy' "$out/train.log"
  done
}
start=$(date +%s)
train lr-imagery 08 04
train lr-exec-imag 08 03 04 07
train ff-imagery 10 06
echo "training time: $(( $(date +%s) - start )) s (seeds: $seeds; max epochs $max_epochs; threads $threads; extra: ${TRAIN_ARGS:-none})"

/usr/bin/python3 - "$work" "$tag" $seeds <<'EOF'
import json, os, sys
import numpy as np
from scipy.stats import beta, binom

work, tag, seeds = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3:]]
configs = [("a", "lr-imagery", "imagined L/R fist", "R04", "R08"),
           ("b", "lr-exec-imag", "executed+imagined L/R fist", "R03+R04+R07", "R08"),
           ("c", "ff-imagery", "imagined fists/feet", "R06", "R10")]

def ci(k, n):  # Clopper-Pearson exact 95 % interval
    lo = 0.0 if k == 0 else beta.ppf(0.025, k, n - k + 1)
    hi = 1.0 if k == n else beta.ppf(0.975, k + 1, n - k)
    return f"{k}/{n} = {k / n:.2f} [{lo:.2f}, {hi:.2f}]"

rows, lines = [], []
head = ("| | task | train | test | n train / test | chance (majority) | need for p<.05 "
        f"| DBConformer seed {seeds[0]} [95% CI] | DBConformer mean ± sd (seeds {','.join(map(str, seeds))}) "
        "| best epoch | CSP+LDA [95% CI] |")
lines += [head, "|" + "---|" * (head.count("|") - 1)]
for key, name, task, tr, te in configs:
    ms = [json.load(open(os.path.join(work, name + tag, f"seed{s}", "metrics.json"))) for s in seeds]
    m = ms[0]
    n = m["n_test"]
    conf = np.array(m["csp_lda"]["confusion"])
    majority = conf.sum(axis=1).max() / n
    need = next(k for k in range(n + 1) if binom.sf(k - 1, n, 0.5) < 0.05)
    accs = np.array([x["dbconformer"]["test_accuracy"] for x in ms])
    k_db = int(round(accs[0] * n))
    k_csp = int(round(m["csp_lda"]["test_accuracy"] * n))
    sd = accs.std(ddof=1) if len(accs) > 1 else 0.0
    best = ",".join(str(x["dbconformer"]["best_epoch"]) for x in ms)
    lines.append(f"| {key} | {task} | {tr} | {te} | {m['n_train']} / {n} | 0.50 ({majority:.2f}) | "
                 f"{need}/{n} = {need / n:.2f} | {ci(k_db, n)} | {accs.mean():.2f} ± {sd:.2f} "
                 f"({', '.join(f'{a:.2f}' for a in accs)}) | {best} | {ci(k_csp, n)} |")
text = "\n".join(lines)
print(text)
path = os.path.join(work, f"results{tag}.md")
with open(path, "w") as f:
    f.write(text + "\n")
print(f"(also in {path})")
EOF
