#!/usr/bin/env bash
# bench/topics/deflate.sh - compress once, measured: one server, 1,000 permessage-deflate subscribers, JSON-like messages
# of SIZE bytes published as fast as the subscribers take them; server CPU per delivered message when each message is
# deflated once for all (topics: once), deflated by each subscriber's connection (a SendBinaryAsync loop: each), the same
# loop sending uncompressed (loop: the loop's own cost), and not deflated (permessage-deflate refused: plain, what deflate
# subscribers got before). Server on CPU 0, the C load client on CPU 1.
#
#   bench/topics/deflate.sh [ROUNDS] [--seconds S] [--size BYTES] [--subscribers N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROUNDS=2 SECONDS_PER=5 SIZE=1024 SUBS=1000 WINDOW=64
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER="$2"; shift ;;
    --size) SIZE="$2"; shift ;;
    --subscribers) SUBS="$2"; shift ;;
    [0-9]*) ROUNDS="$1" ;;
    *) sed -n '2,8p' "$0"; exit 2 ;;
  esac
  shift
done
BUILD="${BENCH_BUILD:-/tmp/ws101-deflate-bench}"
mkdir -p "$BUILD"
CPU_SERVER=0 CPU_CLIENT=1
[ "$(nproc)" -ge 2 ] || { CPU_CLIENT=0; echo "note: one CPU only"; }
echo "== building the load client and the fan-out server into $BUILD"
gcc -O2 -Wall -o "$BUILD/loadclient" "$ROOT/bench/topics/loadclient.c"
dotnet publish "$ROOT/bench/topics/DeflateFanout" -c Release -o "$BUILD/fanout" --nologo -v q > "$BUILD/fanout.log" 2>&1 || { cat "$BUILD/fanout.log"; exit 1; }
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null || true' EXIT
RESULTS="$BUILD/results.txt"
: > "$RESULTS"
export LOADCLIENT_EXTENSIONS="permessage-deflate; server_no_context_takeover; client_no_context_takeover"
for round in $(seq 1 "$ROUNDS"); do
  for mode in once each loop plain; do
    taskset -c $CPU_SERVER "$BUILD/fanout/DeflateFanout" 19051 "$mode" > "$BUILD/server.out" 2>&1 &
    PID=$!
    for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/19051) 2>/dev/null && break; sleep 0.1; done
    line=$(timeout $((SECONDS_PER + 90)) taskset -c $CPU_CLIENT "$BUILD/loadclient" 19051 /topic/bench "$SUBS" "$SIZE" "$SECONDS_PER" "$WINDOW" "$PID")
    kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""
    echo "$mode $SIZE $line" | tee -a "$RESULTS"
  done
done
python3 - "$RESULTS" <<'PY'
import sys, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split(); kv = dict(x.split("=") for x in p[2:])
    rows[p[0]].append((float(kv["rate"]), float(kv["cpu_seconds"]), float(kv["delivered"])))
print(f"{'mode':<8}{'delivered msg/s':>18}{'server CPU us/msg':>20}")
cpu = {}
for mode in ("once", "each", "loop", "plain"):
    runs = rows[mode]
    rate = max(r[0] for r in runs); c = sum(r[1] for r in runs) / max(1.0, sum(r[2] for r in runs)) * 1e6
    cpu[mode] = c
    print(f"{mode:<8}{rate:>18,.0f}{c:>20.3f}")
print(f"deflating once costs {cpu['each'] / cpu['once']:.1f}x less server CPU per delivered message than deflating per subscriber")
PY
