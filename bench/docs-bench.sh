#!/usr/bin/env bash
# Regenerates the benchmark outputs kept in docs/bench (JSON, plots, text tables), side by side in one run each.
# Takes ~25 minutes on 2 cores; run it when the machine is quiet (`uptime`) and keep the load figure with the results.
# Usage (from anywhere): bash bench/docs-bench.sh            # all
#                        STEPS="model latency" bash bench/docs-bench.sh
# Environment: SESSIONS (bench latency counts, default 64,128,192,256,320,384,448,512), SECONDS_EACH (default 15),
#   ALIGNED_SESSIONS (default 64,128,192,256), MODEL_SECONDS (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${STEPS:-model inference replay latency startup}
sessions=${SESSIONS:-64,128,192,256,320,384,448,512}
aligned=${ALIGNED_SESSIONS:-64,128,192,256}
seconds=${SECONDS_EACH:-15}
model_seconds=${MODEL_SECONDS:-60}
docs=docs/bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$docs"

dotnet build Pipeline.Host -c Release -v q -nologo >/dev/null
pipeline=Pipeline.Host/bin/Release/net10.0/pipeline
export NO_COLOR=1
note() { echo "# $(date -u +%FT%TZ), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"; }

for step in $steps; do
  case $step in
    model)
      # The demo model before this layout (reference export, from git history) beside the fast float layout and int8.
      git show 9993e14:models/dbconformer-demo.onnx > "$tmp/dbconformer-demo-reference.onnx"
      git show 9993e14:models/dbconformer-demo.json > "$tmp/dbconformer-demo-reference.json"
      # That card predates online alignment: its text under alignment.reference is what cards now call a note.
      python3 - "$tmp/dbconformer-demo-reference.json" <<'PY'
import json, sys
card = json.load(open(sys.argv[1]))
alignment = card["preprocessing"].get("alignment") or {}
if isinstance(alignment.get("reference"), str):
    alignment["note"] = alignment.pop("reference")
json.dump(card, open(sys.argv[1], "w"), indent=2)
PY
      { note; "$pipeline" bench model -m "$tmp/dbconformer-demo-reference.onnx" -m models/dbconformer-demo.onnx -m models/dbconformer-demo-int8.onnx \
          --mflop 12.914144 --batch 1,32 --seconds "$model_seconds" --json "$docs/model.json"; } | tee "$docs/model.txt"
      ;;
    inference)
      { note; "$pipeline" bench inference --repeat 10 --json "$docs/inference.json"; } | tee "$docs/inference.txt"
      ;;
    replay)
      { note; "$pipeline" bench replay recordings/demo-mi.xdf --repeat 9 --json "$docs/replay.json"; } | tee "$docs/replay.txt"
      ;;
    latency)
      { note; "$pipeline" bench latency --sessions "$sessions" --phase random --modes unbatched,workers --seconds "$seconds" \
          --json "$docs/latency.json" --png "$docs/latency"; } | tee "$docs/latency.txt"
      { note; "$pipeline" bench latency --sessions "$aligned" --phase aligned --modes unbatched,workers --seconds "$seconds" \
          --json "$docs/latency-aligned.json" --png "$docs/latency-aligned"; } | tee "$docs/latency-aligned.txt"
      ;;
    startup)
      # The published program without and with ReadyToRun (the csproj turns it on for any -r publish), alternated.
      dotnet publish Pipeline.Host -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=false -o "$tmp/jit" -v q -nologo >/dev/null
      dotnet publish Pipeline.Host -c Release -r linux-x64 --self-contained false -o "$tmp/r2r" -v q -nologo >/dev/null
      {
        note
        for round in 1 2; do
          hyperfine -N --warmup 3 --runs 20 --export-json "$tmp/help-$round.json" "$tmp/jit/pipeline --help" "$tmp/r2r/pipeline --help"
          hyperfine -N --warmup 3 --runs 20 --export-json "$tmp/info-$round.json" \
            "$tmp/r2r/pipeline info recordings/demo-mi.xdf" "$tmp/jit/pipeline info recordings/demo-mi.xdf"
        done
        python3 - "$tmp" <<'PY'
import json, sys, glob, statistics as st
rows = {}
for f in sorted(glob.glob(sys.argv[1] + "/*-[12].json")):
    for r in json.load(open(f))["results"]:
        kind = "r2r" if "/r2r/" in r["command"] else "jit"
        cmd = r["command"].split("/pipeline ", 1)[1]
        rows.setdefault((cmd, kind), []).append(r)
print(f"{'command':40} {'build':5} {'wall median ms':>15} {'user ms':>8} {'system ms':>9}")
for (cmd, kind), rs in sorted(rows.items()):
    times = [t for r in rs for t in r["times"]]
    print(f"{cmd:40} {kind:5} {st.median(times) * 1000:>15.1f} {st.mean(r['user'] for r in rs) * 1000:>8.1f} {st.mean(r['system'] for r in rs) * 1000:>9.1f}")
PY
      } | tee "$docs/startup.txt"
      ;;
    *) echo "unknown step $step (model inference replay latency startup)" >&2; exit 2 ;;
  esac
done
