#!/usr/bin/env bash
# The calibration procedure of models/README.md ("Calibration for a new person"), run end to end with a recorded
# person standing in for the live one: `pipeline replay --to-lsl` plays an EEGMMIDB run as an LSL amplifier with its
# cue markers (T1 = left fist, T2 = right fist), and every other step is the command a lab runs.
#
#   bash models/dbconformer/calibration-loop.sh [CALIBRATION.edf] [SESSION.edf] [CHECKPOINT]
#
# defaults: ../shared/data/eeg/eegmmidb-S001/S001R04.edf (15 cued trials, about 2 minutes) as the calibration run,
# S001R08.edf as the live session, and the shipped model's checkpoint
# models/dbconformer/runs/xsubject/shipped/checkpoint.pt (written by `loso.py ship`; the ONNX file alone cannot be
# fine-tuned). Outputs go to models/dbconformer/runs/calibration/ (git-ignored). Takes about 5 minutes: both LSL
# steps run at the recording's own pace, as a live session does.
# NB: the shipped model was trained on S001-S019, so the accuracy printed here is a check that the loop works, not a
# figure for a new person (that figure is loso.py's fine-tuning table, on subjects the fold models never saw).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
DATA="${DATA_DIR:-../shared/data/eeg}"
CAL="${1:-$DATA/eegmmidb-S001/S001R04.edf}"
LIVE="${2:-$DATA/eegmmidb-S001/S001R08.edf}"
CKPT="${3:-models/dbconformer/runs/xsubject/shipped/checkpoint.pt}"
OUT=models/dbconformer/runs/calibration
PIPELINE=Pipeline.Host/bin/Release/net10.0/pipeline
PY=/usr/bin/python3
MOTOR=FC5,FC3,FC1,FCz,FC2,FC4,FC6,C5,C3,C1,Cz,C2,C4,C6,CP5,CP3,CP1,CPz,CP2,CP4,CP6
for f in "$CAL" "$LIVE" "$CKPT"; do
  [ -f "$f" ] || { echo "$f not found (see the header of $0)" >&2; exit 2; }
done
[ -x "$PIPELINE" ] || dotnet build Pipeline.Host -c Release -v q
mkdir -p "$OUT"
# Each LSL session gets its own session id, so that other outlets on this machine are not picked up.
CFG="$OUT/lsl_api.cfg"
printf '[lab]\nSessionID = calibration-loop-%s\n' "$$" > "$CFG"
run() { echo "+ $*"; "$@"; }

echo "== 1. record a cued calibration run (here: $CAL played as the amplifier; the recording stops 1 s before the"
echo "      stand-in amplifier does, after the last trial, so that its end is not logged as an outage)"
"$PIPELINE" replay "$CAL" --to-lsl --wait 30 --lsl-config "$CFG" > "$OUT/amplifier-1.log" 2>&1 &
amp=$!
run "$PIPELINE" lsl record --out "$OUT/calib.xdf" --lsl type=EEG --lsl type=Markers --wait 20 --lsl-config "$CFG" \
  --duration "$("$PY" -c 'import sys; sys.path.insert(0, "models/dbconformer"); import eegmmidb_prepare as e; print(int(e.edf_seconds(sys.argv[1])) - 1)' "$CAL")"
wait "$amp"

echo "== 2. cut the epochs as the model was trained (causal 8-30 Hz, [cue + 0.5 s, cue + 3.5 s), 160 Hz, motor channels)"
run "$PIPELINE" epochs "$OUT/calib.xdf" --markers T1,T2 --classes left,right --tmin 0.5 --tmax 3.5 --band 8 30 \
  --resample 160 --channels "$MOTOR" --out "$OUT/calib.npz"

echo "== 3. fine-tune the cross-subject checkpoint and export the person's model"
run "$PY" models/dbconformer/finetune.py "$CKPT" "$OUT/calib.npz" --out "$OUT/person1"
run "$PY" models/dbconformer/export.py "$OUT/person1/checkpoint.pt" --out "$OUT/person1/person1.onnx" \
  --command left=LEFT --command right=RIGHT

echo "== 4. run live with the person's model (here: $LIVE played as the amplifier)"
"$PIPELINE" replay "$LIVE" --to-lsl --wait 30 --lsl-config "$CFG" > "$OUT/amplifier-2.log" 2>&1 &
amp=$!
run "$PIPELINE" run --lsl type=EEG --markers-lsl type=Markers --markers T1,T2 --classes left,right \
  --model "$OUT/person1/person1.onnx" --jsonl "$OUT/session.jsonl" --idle-stop 5 --wait 20 --lsl-config "$CFG" --quiet
wait "$amp"
echo "== done: $OUT/session.jsonl (its last line is the summary with trial_accuracy)"
tail -1 "$OUT/session.jsonl"

echo "== 5. without fine-tuning: the shipped model, its online alignment seeded from the same calibration recording"
run "$PIPELINE" replay "$LIVE" --model models/dbconformer-eegmmidb-lr.onnx --align-calibration "$OUT/calib.xdf" \
  --markers T1,T2 --classes left,right --fast --quiet
