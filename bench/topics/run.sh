#!/usr/bin/env bash
# bench/topics/run.sh - one node, 1,000 subscribers, messages of 20 B and 1 KiB published as fast as the subscribers
# take them: delivered messages/s and server CPU per delivered message, ws101 serve (/topic/bench, framed once) beside
# a Kestrel server whose handler loops over its sockets calling SendAsync (KestrelBroadcast/), in the same run, rounds
# interleaved, each server pinned to CPU 0 and the load client (loadclient.c) to CPU 1. Then, unless --no-redis, the
# cross-node rate: three ws101 nodes on one redis-server (all on CPU 0), subscribers spread over the nodes, one publisher.
#
#   bench/topics/run.sh [ROUNDS] [--seconds S] [--window W] [--no-redis]
#
# Everything runs on 127.0.0.1, every step is bounded in time, and only the processes it started are stopped (by pid).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROUNDS=2 SECONDS_PER=5 WINDOW=256 REDIS=1 SUBS=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER="$2"; shift ;;
    --window) WINDOW="$2"; shift ;;
    --no-redis) REDIS=0 ;;
    [0-9]*) ROUNDS="$1" ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
  esac
  shift
done
BUILD="${BENCH_BUILD:-/tmp/ws101-topics-bench}"
mkdir -p "$BUILD"
CPU_SERVER=0 CPU_CLIENT=1
[ "$(nproc)" -ge 2 ] || { CPU_CLIENT=0; echo "note: one CPU only; server and client share it"; }

echo "== building the load client, the Kestrel broadcast anchor and ws101 into $BUILD"
gcc -O2 -Wall -o "$BUILD/loadclient" "$ROOT/bench/topics/loadclient.c"
dotnet publish "$ROOT/bench/topics/KestrelBroadcast" -c Release -o "$BUILD/kestrel" --nologo -v q > "$BUILD/kestrel.log" 2>&1 || { cat "$BUILD/kestrel.log"; exit 1; }
dotnet publish "$ROOT/src/Ws101.Cli" -c Release -o "$BUILD/ws101" --nologo -v q > "$BUILD/ws101.log" 2>&1 || { cat "$BUILD/ws101.log"; exit 1; }

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() { # PORT: up to 10 s
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $1" >&2; return 1
}

start_server() { # NAME PORT -> sets SERVER_PID
  case "$1" in
    kestrel) taskset -c $CPU_SERVER "$BUILD/kestrel/KestrelBroadcast" "$2" > "$BUILD/$1.out" 2>&1 & ;;
    ws101) taskset -c $CPU_SERVER "$BUILD/ws101/Ws101.Cli" serve --port "$2" --quiet > "$BUILD/$1.out" 2>&1 & ;;
  esac
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_port "$2"
}

RESULTS="$BUILD/results.txt"
: > "$RESULTS"
run_one() { # NAME PORT SIZE
  start_server "$1" "$2"
  local line
  line=$(timeout $((SECONDS_PER + 60)) taskset -c $CPU_CLIENT "$BUILD/loadclient" "$2" /topic/bench $SUBS "$3" "$SECONDS_PER" "$WINDOW" "$SERVER_PID")
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  echo "$1 $3 $line" | tee -a "$RESULTS"
}

echo "== one node, $SUBS subscribers, $ROUNDS round(s) of $SECONDS_PER s per server and size, window $WINDOW messages"
for round in $(seq 1 "$ROUNDS"); do
  for size in 20 1024; do
    run_one kestrel 19031 "$size"
    run_one ws101 19032 "$size"
  done
done

if [ "$REDIS" = 1 ] && command -v redis-server >/dev/null; then
  echo "== three ws101 nodes on one redis-server, $SUBS subscribers spread over them, publisher on the first"
  RPORT=19040
  taskset -c $CPU_SERVER redis-server --port $RPORT --bind 127.0.0.1 --save '' --appendonly no --loglevel warning > "$BUILD/redis.out" 2>&1 &
  RPID=$!; PIDS+=("$RPID"); wait_port $RPORT
  NODE_PIDS=""
  for p in 19041 19042 19043; do
    taskset -c $CPU_SERVER "$BUILD/ws101/Ws101.Cli" serve --port $p --quiet --redis 127.0.0.1:$RPORT > "$BUILD/node$p.out" 2>&1 &
    PIDS+=("$!"); NODE_PIDS="$NODE_PIDS${NODE_PIDS:+,}$!"; wait_port $p
  done
  for size in 20 1024; do
    line=$(timeout $((SECONDS_PER + 60)) taskset -c $CPU_CLIENT "$BUILD/loadclient" 19041,19042,19043 /topic/bench $SUBS "$size" "$SECONDS_PER" "$WINDOW" "$NODE_PIDS,$RPID")
    echo "ws101x3+redis $size $line" | tee -a "$RESULTS"
  done
fi

echo
python3 - "$RESULTS" <<'PY'
import sys, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.split()
    name, size = parts[0], int(parts[1])
    kv = dict(p.split("=") for p in parts[2:])
    rows[(name, size)].append((float(kv["rate"]), float(kv["cpu_seconds"]), float(kv["delivered"])))
print(f"{'server':<16}{'size':>6}{'delivered msg/s':>18}{'server CPU us/msg':>20}")
best = {}
for (name, size), runs in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    rate = max(r[0] for r in runs)
    cpu = sum(r[1] for r in runs) / max(1.0, sum(r[2] for r in runs)) * 1e6
    best[(name, size)] = (rate, cpu)
    print(f"{name:<16}{size:>6}{rate:>18,.0f}{cpu:>20.3f}")
for size in (20, 1024):
    if ("ws101", size) in best and ("kestrel", size) in best:
        w, k = best[("ws101", size)], best[("kestrel", size)]
        print(f"size {size}: ws101 delivers {w[0] / k[0]:.1f}x Kestrel's messages/s at {k[1] / w[1]:.1f}x less CPU per message (target >= 5x)")
PY
