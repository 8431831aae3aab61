#!/usr/bin/env bash
# bench/server/run.sh - ws101 serve beside Kestrel (default, and with inline socket completions) in the same run,
# server pinned to CPU 0 and load to CPU 1, rounds interleaved; prints the table and ws101's ratios to each anchor.
#
#   bench/server/run.sh [ROUNDS] [--quick] [--parts echo,big,hs,idle]
#
# BASELINE_BIN=/path/to/Ws101.Cli adds that build as "ws101_before" (port 19012) to the same run, for a
# before/after comparison; the ratios are then printed for ws101 and for ws101_before against the same anchors.
# Uses the shared load generator and anchors (../shared/wsbench beside the project, or WSBENCH_DIR).
# Everything runs on 127.0.0.1 and every step is bounded in time. About 5 minutes per round for the
# full matrix (3 servers), about 1.5 minutes per round with --quick.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WSB="${WSBENCH_DIR:-$ROOT/../shared/wsbench}"
ROUNDS=3 QUICK="" PARTS="echo,big,hs,idle"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK="-q" ;;
    --parts) PARTS="$2"; shift ;;
    [0-9]*) ROUNDS="$1" ;;
    *) sed -n '2,10p' "$0"; exit 2 ;;
  esac
  shift
done
[ -d "$WSB" ] || { echo "no wsbench folder at $WSB (set WSBENCH_DIR)" >&2; exit 2; }
BUILD="${BENCH_BUILD:-/tmp/ws101-bench-build}"
OUT="${BENCH_OUT:-/tmp/ws101-bench-results/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$BUILD" "$OUT"

echo "== building the load generator and the Kestrel anchor into $BUILD"
if [ ! -x "$BUILD/anchors/kestrel/KestrelEcho" ] || [ ! -x "$BUILD/anchors/wsbench" ]; then
  "$WSB/build-anchors.sh" "$BUILD/anchors" > "$BUILD/anchors.log" 2>&1 || { cat "$BUILD/anchors.log"; exit 1; }
fi
echo "== publishing ws101 (Release)"
dotnet publish "$ROOT/src/Ws101.Cli" -c Release -o "$BUILD/ws101" --nologo -v q > "$BUILD/publish.log" 2>&1 || { cat "$BUILD/publish.log"; exit 1; }

cat > "$BUILD/servers.txt" <<SERVERS
kestrel|19002|$BUILD/anchors/kestrel/KestrelEcho 19002
kestrel_inline|19006|env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 $BUILD/anchors/kestrel/KestrelEcho 19006
ws101|19010|$BUILD/ws101/Ws101.Cli serve --port 19010 --quiet
SERVERS
if [ -n "${BASELINE_BIN:-}" ]; then
  [ -x "$BASELINE_BIN" ] || { echo "BASELINE_BIN=$BASELINE_BIN is not an executable" >&2; exit 2; }
  echo "ws101_before|19012|$BASELINE_BIN serve --port 19012 --quiet" >> "$BUILD/servers.txt"
fi

# Kestrel's anchor echoes on any path; ws101 serves its echo on /echo.
export WSBENCH="$BUILD/anchors/wsbench" WS_PATH=/echo
echo "== $ROUNDS interleaved round(s), parts $PARTS ${QUICK:+(quick)}; results in $OUT"
"$WSB/run-all.sh" "$BUILD/servers.txt" "$ROUNDS" "$OUT" -- $QUICK -s "$PARTS" > "$OUT/run.log" 2>&1 || true
cat "$OUT/table.txt"
echo
python3 "$ROOT/bench/server/ratios.py" "$OUT"
if [ -n "${BASELINE_BIN:-}" ]; then
  echo
  python3 "$ROOT/bench/server/ratios.py" "$OUT" ws101 ws101_before
fi
