#!/usr/bin/env bash
# Our managed LSL against the reference liblsl 1.17.7, two processes on one host over 127.0.0.1:
#   outlet/inlet = ours/liblsl, liblsl/ours, ours/ours, liblsl/liblsl
# alternated run by run (the pair order rotates), each side reporting its own CPU (user+sys of the whole process),
# peak RSS, samples lost/duplicated/corrupt and push-to-pull latency; min and median over the runs per pair.
#
# liblsl is not packaged by Debian or NuGet, so the script builds it from a source folder you point it at (a checkout
# of tag v1.17.7 of sccn/liblsl, kept OUTSIDE this repository) with Debian's libpugixml-dev and -DLSL_FETCH_PUGIXML=OFF.
# Without a source folder it says so and exits 0 (nothing measured).
#
# Usage:
#   bash bench/lsl-vs-liblsl.sh /path/to/liblsl-src            # 64 ch x 10 kHz float32, 30 s, 3 runs per pair
#   RUNS=5 SECONDS_EACH=30 CHANNELS=64 RATE=10000 CHUNK=10 bash bench/lsl-vs-liblsl.sh /path/to/liblsl-src
#   LIBLSL_SRC=/path/to/liblsl-src bash bench/lsl-vs-liblsl.sh
# Needs g++, cmake (>= 3.28; older: the same sources and definitions compiled by g++ directly), libpugixml-dev,
# the .NET 10 SDK. Build products and logs go to $WORK (default ${TMPDIR:-/tmp}/lsl-vs-liblsl), never into the repository.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-${LIBLSL_SRC:-}}
if [ -z "$src" ]; then
  echo "skipped: no liblsl source folder given (pass it as the first argument or LIBLSL_SRC); get sccn/liblsl, check out v1.17.7 outside this repository and point this script at it."
  exit 0
fi
if [ ! -f "$src/include/lsl_cpp.h" ] || [ ! -f "$src/CMakeLists.txt" ]; then
  echo "skipped: '$src' is not a liblsl source folder (no include/lsl_cpp.h and CMakeLists.txt there)."
  exit 0
fi
src=$(cd "$src" && pwd)
case "$src/" in "$repo"/*) echo "error: keep the liblsl source outside this repository (it is not ours to commit): $src" >&2; exit 2;; esac
version=$(sed -n 's/^[[:space:]]*VERSION[[:space:]]\+\([0-9.]\+\).*/\1/p' "$src/CMakeLists.txt" | head -1)
[ "$version" = "1.17.7" ] || echo "warning: the source folder is liblsl ${version:-of unknown version}, not 1.17.7; the comparison is against that."

runs=${RUNS:-3}; seconds=${SECONDS_EACH:-30}; channels=${CHANNELS:-64}; rate=${RATE:-10000}; chunk=${CHUNK:-10}
work=${WORK:-${TMPDIR:-/tmp}/lsl-vs-liblsl}
mkdir -p "$work"
lib="$work/liblsl"

# ---------------------------------------------------------------- build liblsl
if [ ! -f "$lib/liblsl.so" ]; then
  mkdir -p "$lib"
  cmake_version=$(cmake --version 2>/dev/null | sed -n 's/cmake version \([0-9]*\.[0-9]*\).*/\1/p')
  if [ -n "$cmake_version" ] && [ "$(printf '%s\n3.28\n' "$cmake_version" | sort -V | head -1)" = "3.28" ]; then
    echo "building liblsl $version with cmake $cmake_version (system pugixml) ..."
    cmake -S "$src" -B "$lib/build" -DCMAKE_BUILD_TYPE=Release -DLSL_FETCH_PUGIXML=OFF -DLSL_UNITTESTS=OFF >"$lib/cmake.log" 2>&1
    cmake --build "$lib/build" --target lsl -j"$(nproc)" >"$lib/build.log" 2>&1
    cp -L "$(find "$lib/build" -name 'liblsl.so' | head -1)" "$lib/liblsl.so"
  else
    # liblsl 1.17.7's packaging helper (cmake/LSLCMake.cmake) asks for cmake 3.28; the library itself does not need it.
    # Compile the same sources with the definitions its cmake files give them (Release, LSL_OPTIMIZATIONS: -O3, LTO).
    echo "building liblsl $version with g++ directly (cmake ${cmake_version:-absent} < 3.28), system pugixml ..."
    mkdir -p "$lib/obj"
    flags="-O3 -DNDEBUG -std=c++17 -fPIC -fvisibility=hidden -fvisibility-inlines-hidden -flto=auto -DLIBLSL_EXPORTS \
      -DLOGURU_DEBUG_LOGGING=0 -DLOGURU_STACKTRACES=0 -DASIO_DISABLE_VISIBILITY -DASIO_NO_DEPRECATED -DBOOST_ALL_NO_LIB \
      -I$src/include -I$src/lslboost -isystem $src/thirdparty/loguru -isystem $src/thirdparty/asio"
    export flags lib
    ls "$src"/src/*.cpp "$src"/src/util/*.cpp "$src"/thirdparty/loguru/loguru.cpp |
      xargs -P"$(nproc)" -I{} sh -c 'g++ $flags -c "$1" -o "$lib/obj/$(echo "$1" | md5sum | cut -c1-12).o"' _ {} >"$lib/build.log" 2>&1
    g++ -shared -O3 -flto=auto -o "$lib/liblsl.so" "$lib"/obj/*.o -lpugixml -lpthread -Wl,-soname,liblsl.so.2 >>"$lib/build.log" 2>&1
  fi
fi
ln -sf liblsl.so "$lib/liblsl.so.2"
g++ -O2 -std=c++17 -I"$src/include" "$repo/bench/lsl-peer.cpp" -o "$work/lsl-peer" -L"$lib" -llsl -Wl,-rpath,"$lib"

# ---------------------------------------------------------------- build ours
echo "building pipeline (Release) ..."
dotnet build "$repo/Pipeline.Host" -c Release -v q -nologo >"$work/dotnet-build.log" 2>&1 || { cat "$work/dotnet-build.log"; exit 1; }
pipeline_dll="$repo/Pipeline.Host/bin/Release/net10.0/pipeline.dll"

# One configuration file both libraries read (LSLAPICFG): discovery on this machine only, a private multicast port and
# session id, so nothing else on the host or the network can answer.
cfg="$work/lsl_api.cfg"
cat >"$cfg" <<EOF
[ports]
MulticastPort = $((20000 + RANDOM % 20000))
IPv6 = disable
[multicast]
ResolveScope = machine
[lab]
SessionID = lsl-vs-liblsl-$$
[tuning]
MulticastMinRTT = 0.1
EOF
export LSLAPICFG="$cfg"

side() { # impl role name
  if [ "$1" = liblsl ]; then "$work/lsl-peer" "$2" "$3" "$channels" "$rate" "$seconds" "$chunk"
  else dotnet "$pipeline_dll" lsl bench --role "$2" --name "$3" --channels "$channels" --rate "$rate" --seconds "$seconds" --chunk "$chunk" --lsl-config "$cfg"
  fi
}

results="$work/results.txt"
: >"$results"
pairs=("ours liblsl" "liblsl ours" "ours ours" "liblsl liblsl")
echo "measuring: $channels ch x $rate Hz float32, chunks of $chunk, $seconds s, $runs runs per pair, alternated"
for ((r = 0; r < runs; r++)); do
  for ((p = 0; p < 4; p++)); do
    read -r out_impl in_impl <<<"${pairs[$(((p + r) % 4))]}"
    name="peer-$r-$p-$$"
    side "$in_impl" inlet "$name" >"$work/inlet.out" 2>"$work/inlet.err" &
    inlet_pid=$!
    side "$out_impl" outlet "$name" >"$work/outlet.out" 2>"$work/outlet.err" || true
    wait "$inlet_pid" || true
    o=$(grep '^result' "$work/outlet.out" || echo "result role=outlet failed=1")
    i=$(grep '^result' "$work/inlet.out" || echo "result role=inlet failed=1")
    echo "pair=$out_impl/$in_impl run=$r $o" >>"$results"
    echo "pair=$out_impl/$in_impl run=$r $i" >>"$results"
    echo "  run $((r + 1))/$runs outlet $out_impl -> inlet $in_impl: $(echo "$i" | grep -o 'samples=[0-9]* lost=[0-9]*')"
  done
done

python3 - "$results" <<'PY'
import statistics, sys
rows = []
for line in open(sys.argv[1]):
    kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
    rows.append(kv)
def vals(pair, role, key):
    return [float(r[key]) for r in rows if r.get("pair") == pair and r.get("role") == role and key in r]
def cpu(pair, role):
    return [float(r["user_s"]) + float(r["sys_s"]) for r in rows if r.get("pair") == pair and r.get("role") == role and "user_s" in r]
def mm(v, f="{:.2f}"):
    return "-" if not v else (f.format(min(v)) + " / " + f.format(statistics.median(v)))
print()
print("outlet/inlet    | outlet CPU s      | outlet RSS MB   | inlet CPU s       | inlet RSS MB    | lost+dup+corrupt | latency p50 ms  | latency p99 ms  | runs")
print("                | min / median      | min / median    | min / median      | min / median    | (all runs)       | min / median    | min / median    |")
for pair in ["ours/liblsl", "liblsl/ours", "ours/ours", "liblsl/liblsl"]:
    failed = sum(1 for r in rows if r.get("pair") == pair and "failed" in r)
    loss = sum(int(r.get(k, 0)) for r in rows if r.get("pair") == pair and r.get("role") == "inlet" for k in ("lost", "dupes", "corrupt"))
    n = len(vals(pair, "inlet", "samples"))
    print(f"{pair:15} | {mm(cpu(pair, 'outlet')):17} | {mm([x / 1024 for x in vals(pair, 'outlet', 'maxrss_kib')], '{:.0f}'):15} | "
          f"{mm(cpu(pair, 'inlet')):17} | {mm([x / 1024 for x in vals(pair, 'inlet', 'maxrss_kib')], '{:.0f}'):15} | {loss:16} | "
          f"{mm(vals(pair, 'inlet', 'lat_p50_ms'), '{:.3f}'):15} | {mm(vals(pair, 'inlet', 'lat_p99_ms'), '{:.3f}'):15} | {n}{' (' + str(failed) + ' failed sides)' if failed else ''}")
def ratio(a, b):
    return "-" if not a or not b else f"{statistics.median(a) / statistics.median(b):.2f}x"
gc = [r for r in rows if r.get("impl") == "ours" and "gc0" in r]
if gc:
    print()
    print("ours, .NET GC over the whole run (median of every side): "
          f"gen0 {statistics.median(int(r['gc0']) for r in gc)}, gen1 {statistics.median(int(r['gc1']) for r in gc)}, "
          f"gen2 {statistics.median(int(r['gc2']) for r in gc)}, allocated {statistics.median(float(r['allocated_mb']) for r in gc):.1f} MB")
print()
print("ours / liblsl, each against the same liblsl peer (medians):")
print(f"  inlet  CPU {ratio(cpu('liblsl/ours', 'inlet'), cpu('liblsl/liblsl', 'inlet'))}, "
      f"RSS {ratio(vals('liblsl/ours', 'inlet', 'maxrss_kib'), vals('liblsl/liblsl', 'inlet', 'maxrss_kib'))}")
print(f"  outlet CPU {ratio(cpu('ours/liblsl', 'outlet'), cpu('liblsl/liblsl', 'outlet'))}, "
      f"RSS {ratio(vals('ours/liblsl', 'outlet', 'maxrss_kib'), vals('liblsl/liblsl', 'outlet', 'maxrss_kib'))}")
PY
echo "raw results: $results"
