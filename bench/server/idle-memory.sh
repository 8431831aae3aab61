#!/bin/bash
# idle-memory.sh: where an idle connection's bytes go, for one build of ws101 or several side by side.
#
#   bench/server/idle-memory.sh [ROUNDS] [--heap] [--jit] [BIN[:ENV=VALUE,...]]...
#
# Runs the idle point of run.sh (a fresh `ws101 serve` on CPU 0; from CPU 1, 200 connections of warm-up, 2 s, then
# 10,000 upgraded connections held 5 s) ROUNDS times (default 3) for each build, alternating, and prints the RSS per
# connection of each run. A build is a path to Ws101.Cli, with runtime settings after a colon
# (`/tmp/b/Ws101.Cli:DOTNET_TieredCompilation=0`); with none given, the build run.sh published.
#   --heap  also counts the live managed heap per type, 15 s into a hold of 5,000 (dotnet-dump, installed if missing):
#           the connections' own objects, without the collector's slack and the runtime's one-time costs.
#   --jit   also lists the methods the JIT compiled during the surge (DOTNET_JitStdOutFile), by tier: what tier-up
#           puts inside the measured window.
# Needs the load generator run.sh builds (BENCH_BUILD, default /tmp/ws101-bench-build); results go to BENCH_OUT.
# Loopback only; every server is stopped by its process group.
set -u
ROUNDS=3; HEAP=0; JIT=0; BINS=()
for a in "$@"; do
  case "$a" in
    --heap) HEAP=1 ;;
    --jit) JIT=1 ;;
    [0-9]*) ROUNDS="$a" ;;
    -*) sed -n '2,17p' "$0"; exit 2 ;;
    *) BINS+=("$a") ;;
  esac
done
BUILD="${BENCH_BUILD:-/tmp/ws101-bench-build}"
W="$BUILD/anchors/wsbench"
[ -x "$W" ] || { echo "no load generator at $W: run bench/server/run.sh once (any part) to build it" >&2; exit 2; }
[ ${#BINS[@]} -gt 0 ] || BINS=("$BUILD/ws101/Ws101.Cli")
OUT="${BENCH_OUT:-/tmp/ws101-idle-memory/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
PORT=19230
export WS_PATH=/echo

# start BIN ENVLIST EXTRA_ENV...: sets PG (the process group) and PID (the server's pid, found by its port).
start() {
  local bin=$1 envs=$2; shift 2
  # shellcheck disable=SC2086
  setsid env ${envs//,/ } "$@" taskset -c 0 "$bin" serve --port $PORT --quiet > /dev/null 2>&1 < /dev/null &
  PG=$!
  PID=""
  for _ in $(seq 1 100); do
    PID=$(ss -ltnpH "sport = :$PORT" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
    [ -n "$PID" ] && break
    sleep 0.1
  done
  [ -n "$PID" ] || { echo "the server did not start: $bin" >&2; kill -TERM -- -"$PG" 2>/dev/null; exit 1; }
  timeout 60 taskset -c 1 "$W" idle -p $PORT -c 200 -S 8 -w 1 -d 1 -q > /dev/null 2>&1
  sleep 2
}

stop() { kill -TERM -- -"$PG" 2>/dev/null; wait "$PG" 2>/dev/null; }

echo "round build bytes_per_conn (rss before / open / end, KB)"
for r in $(seq 1 "$ROUNDS"); do
  i=0
  for spec in "${BINS[@]}"; do
    i=$((i + 1))
    bin=${spec%%:*}; envs=""; [ "$spec" != "$bin" ] && envs=${spec#*:}
    extra=()
    [ "$JIT" = 1 ] && extra=(DOTNET_JitStdOutFile="$OUT/jit-$i-$r.txt" DOTNET_JitDisasmSummary=1)
    rm -f "$OUT/jit-$i-$r.txt"
    start "$bin" "$envs" "${extra[@]}"
    before=0; [ "$JIT" = 1 ] && before=$(wc -l < "$OUT/jit-$i-$r.txt")
    line=$(timeout 120 taskset -c 1 "$W" idle -p $PORT -c 10000 -S 8 -w 5 -d 1 -P "$PID" 2>/dev/null | grep RESULT)
    echo "$r $spec $(echo "$line" | sed 's/.*rss_before_kb=\([0-9]*\) rss_open_kb=\([0-9]*\) rss_end_kb=\([0-9]*\) bytes_per_conn=\([0-9]*\).*/\4 (\1 \/ \2 \/ \3)/')"
    echo "$r $spec $line" >> "$OUT/idle.txt"
    if [ "$JIT" = 1 ]; then
      after=$(wc -l < "$OUT/jit-$i-$r.txt")
      sed -n "$((before + 1)),${after}p" "$OUT/jit-$i-$r.txt" > "$OUT/jit-surge-$i-$r.txt"
      echo "    compiled during the surge: $((after - before)) methods;" \
        "$(grep -o '\[[A-Za-z0-9 -]*[,@]' "$OUT/jit-surge-$i-$r.txt" | tr -d '[,@' | sort | uniq -c | sort -rn | head -4 | awk '{c=$1; $1=""; printf "%s%s %d", (NR>1?",":""), $0, c}')"
    fi
    stop
  done
done

if [ "$HEAP" = 1 ]; then
  DUMP="$HOME/.dotnet/tools/dotnet-dump"
  [ -x "$DUMP" ] || dotnet tool install -g dotnet-dump > /dev/null || { echo "dotnet-dump could not be installed" >&2; exit 1; }
  i=0
  for spec in "${BINS[@]}"; do
    i=$((i + 1))
    bin=${spec%%:*}; envs=""; [ "$spec" != "$bin" ] && envs=${spec#*:}
    start "$bin" "$envs"
    timeout 120 taskset -c 1 "$W" idle -p $PORT -c 5000 -S 8 -w 25 -d 1 -q -P "$PID" > /dev/null 2>&1 &
    load=$!
    for _ in $(seq 1 300); do
      [ "$(ss -tnH state established "sport = :$PORT" | wc -l)" -ge 5000 ] && break
      sleep 0.05
    done
    sleep 10
    "$DUMP" collect -p "$PID" --type Heap -o "$OUT/heap-$i.dmp" > /dev/null
    "$DUMP" analyze "$OUT/heap-$i.dmp" -c "dumpheap -stat -live" -c exit > "$OUT/heap-$i.txt"
    rm -f "$OUT/heap-$i.dmp"
    wait $load
    stop
    echo "== $spec: live managed heap, types with 5,000 or more objects (bytes per connection), 15 s into a hold of 5,000"
    awk '$1 != "Total" && NF >= 4 && $2 ~ /^[0-9,]+$/ { n = $2; b = $3; gsub(",", "", n); gsub(",", "", b); if (n + 0 >= 5000) { $1 = $2 = $3 = ""; printf "  %6.0f  %s\n", b / 5000, $0 } }' "$OUT/heap-$i.txt" | sort -rn
    awk '/^Total/ { t = $4; gsub(",", "", t); printf "  %6.0f  all live objects, the process'"'"'s fixed part included\n", t / 5000 }' "$OUT/heap-$i.txt"
  done
fi
echo "results in $OUT"
