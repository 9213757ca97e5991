#!/usr/bin/env bash
# What the dashboard costs a live session, side by side in one run: the same paced replay of the demo recording with
# the demo model, once with the dashboard open in headless Chromium and once without it, interleaved (A B B A ...).
# Each run's CPU (user + system, from /proc/PID/stat) is read over a steady stretch after a warm-up, as % of one core.
# The browser's own CPU is not counted: it is the pipeline process the issue bounds (at most +2 % of a core).
#
#   bench/dashboard-cost.sh [pairs=3] [seconds=45] [warmup=45]   (the warm-up lets tiered JIT settle: the web stack
#   recompiles its hot paths during the first 30-40 s, which is start-up cost, not the steady cost of an open page)
# Needs a Release build (dotnet build Pipeline.sln -c Release) and Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}; seconds=${2:-45}; warmup=${3:-45}
dll=Pipeline.Host/bin/Release/net10.0/pipeline.dll
[ -f "$dll" ] || { echo "build first: dotnet build Pipeline.sln -c Release" >&2; exit 2; }
command -v chromium >/dev/null || { echo "needs chromium (apt-get install chromium)" >&2; exit 2; }
tck=$(getconf CLK_TCK)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

one_run() { # $1: with|without  → prints % of a core over the measured stretch
  local mode=$1 port args=() pid browser=""
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  [ "$mode" = with ] && args=(--dashboard "127.0.0.1:$port")
  NO_COLOR=1 dotnet "$dll" replay recordings/demo-mi.xdf --model models/dbconformer-demo.onnx --speed 1 -q "${args[@]}" >"$out/log" 2>&1 &
  pid=$!
  if [ "$mode" = with ]; then
    for _ in $(seq 100); do grep -q '^dashboard http' "$out/log" && break; sleep 0.1; done
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --user-data-dir="$out/profile-$RANDOM" --remote-debugging-port=0 \
      --window-size=1400,1700 "http://127.0.0.1:$port/" >/dev/null 2>&1 &
    browser=$!
  fi
  sleep "$warmup"
  local t0 c0 t1 c1
  t0=$(date +%s.%N); c0=$(cpu_ticks $pid)
  sleep "$seconds"
  t1=$(date +%s.%N); c1=$(cpu_ticks $pid)
  if [ "$mode" = with ]; then
    # The page really was live: the feed was being served while we measured.
    curl -s --max-time 2 "http://127.0.0.1:$port/api/sessions" | grep -q '"state":"running"' || echo "warning: the dashboard did not answer" >&2
    kill "$browser" 2>/dev/null || true; wait "$browser" 2>/dev/null || true
  fi
  kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  python3 -c "print(round(100*($c1-$c0)/$tck/($t1-$t0), 3))"
}

echo "pairs=$pairs, ${seconds} s measured after ${warmup} s warm-up, replay demo-mi.xdf at live pace (22 ch, 250 Hz, demo model)"
with=(); without=()
for i in $(seq "$pairs"); do
  if [ $((i % 2)) -eq 1 ]; then order=(with without); else order=(without with); fi
  for m in "${order[@]}"; do
    v=$(one_run "$m"); echo "pair $i $m: $v % of a core"
    if [ "$m" = with ]; then with+=("$v"); else without+=("$v"); fi
  done
done
python3 - "${with[*]}" "${without[*]}" <<'PY'
import sys, statistics as st
w = [float(x) for x in sys.argv[1].split()]; o = [float(x) for x in sys.argv[2].split()]
d = [a - b for a, b in zip(w, o)]
def q(v, p): v = sorted(v); return v[min(len(v) - 1, round(p * (len(v) - 1)))]
print(f"without dashboard: median {st.median(o):.2f} %, p99 {q(o, .99):.2f} % of a core")
print(f"with page open:    median {st.median(w):.2f} %, p99 {q(w, .99):.2f} % of a core")
print(f"difference (paired): median {st.median(d):+.2f}, p99 {q(d, .99):+.2f} points of a core (bound: +2)")
PY
