#!/usr/bin/env bash
# bench/reliability/soak.sh - the leak soak: one million connect / upgrade / echo / close-with-1000 cycles against one
# ws101 serve, from 32 concurrent loops (wsload cycle, 16 source addresses). Every 10 s it samples the server's RSS,
# threads and open descriptors (/proc) and its GC heap as the last collection left it (serve --stats 10), writes them to
# samples.csv, and at the end prints the least-squares slope of each (per hour and per 100,000 cycles, after a 60 s
# warm-up) and draws one PNG per series (SoakPlot, ScottPlot).
#
#   bench/reliability/soak.sh [--cycles N] [--loops N] [--out DIR] [--max-seconds S]
#
# --out DIR: where the PNGs go (default: the build directory; docs/images for the documentation). The run is bounded by
# --max-seconds (7,200). Everything runs on 127.0.0.1; only the processes started here are stopped, by pid.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
CYCLES=1000000 LOOPS=32 MAX_SECONDS=7200 PLOTS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cycles) CYCLES="$2"; shift ;;
    --loops) LOOPS="$2"; shift ;;
    --out) PLOTS="$2"; shift ;;
    --max-seconds) MAX_SECONDS="$2"; shift ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
  shift
done

echo "== building wsload, ws101 and SoakPlot into $BUILD"
build
dotnet build "$ROOT/bench/reliability/SoakPlot" -c Release -o "$BUILD/soakplot" --nologo -v q > "$BUILD/soakplot.log" 2>&1 || { cat "$BUILD/soakplot.log"; exit 1; }
OUT="$BUILD/soak"
rm -rf "$OUT"; mkdir -p "$OUT"
PLOTS="${PLOTS:-$OUT}"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
PORT=$(free_port)
start_serve "$OUT/serve.log" --port "$PORT" --quiet --stats 10
SRV=$SERVE_PID
wait_banner "$OUT/serve.log"
wait_port "$PORT"

"$BUILD/wsload" cycle -p "$PORT" -u /echo -c "$LOOPS" -C "$LOOPS" -n "$CYCLES" -s 20 -d "$MAX_SECONDS" -S 2:16 > "$OUT/client.log" 2>&1 &
CLIENT=$!; PIDS+=("$CLIENT")
START=$(date +%s)
echo "seconds,cycles,rss_kib,gc_heap_kib,threads,handles" > "$OUT/samples.csv"
sample() {
  local now cycles heap
  now=$(( $(date +%s) - START ))
  # Before the first TICK or stats line grep finds nothing: not an error (set -e and pipefail would end the script).
  cycles=$(grep '^TICK\|^RESULT' "$OUT/client.log" | tail -1 | sed -n 's/.* cycles=\([0-9]*\).*/\1/p' || true)
  heap=$(grep ' stats ' "$OUT/serve.log" | tail -1 | sed -n 's/.* gc_heap_after_gc_kib=\([0-9]*\).*/\1/p' || true)
  echo "$now,${cycles:-0},$(rss_kb "$SRV"),${heap:-0},$(threads "$SRV"),$(fds "$SRV")" >> "$OUT/samples.csv"
  [ $((now % 60)) -lt 10 ] && echo "  $(tail -1 "$OUT/samples.csv")  ($(grep '^TICK' "$OUT/client.log" | tail -1 | sed 's/^TICK [0-9]* //'))"
  return 0
}
echo "sampling every 10 s: seconds,cycles,rss_kib,gc_heap_kib,threads,handles"
sample
while kill -0 "$CLIENT" 2>/dev/null; do
  sleep 10
  kill -0 "$SRV" 2>/dev/null || { echo "FAIL: the server died"; exit 1; }
  sample
done
wait "$CLIENT" || true
sleep 10
sample
echo
grep '^RESULT' "$OUT/client.log"
echo "server: $(grep ' stats ' "$OUT/serve.log" | tail -1 | sed 's/^[0-9:.]* //')"
echo
"$BUILD/soakplot/SoakPlot" "$OUT/samples.csv" "$PLOTS" 60
echo
echo "samples: $OUT/samples.csv; plots: $PLOTS/soak-*.png"
RESULT=$(grep '^RESULT' "$OUT/client.log")
[ "$(field "$RESULT" cycles)" -ge "$CYCLES" ] && [ "$(field "$RESULT" errors)" = 0 ] && kill -0 "$SRV" 2>/dev/null \
  && echo "soak.sh: $CYCLES cycles, no error, the server alive" || { echo "soak.sh: FAILED or cut short (logs in $OUT)"; exit 1; }
