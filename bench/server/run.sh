#!/usr/bin/env bash
# bench/server/run.sh - ws101 serve beside Kestrel (default, and with inline socket completions) in the same run,
# server pinned to CPU 0 and load to CPU 1, rounds interleaved; prints the table and ws101's ratios to each anchor.
#
#   bench/server/run.sh [ROUNDS] [--quick] [--parts echo,big,hs,idle,tls,paired,paired-tls]
#
# The tls part (bench/server/tls.sh) measures wss:// (TLS 1.3): echo 20 B and 16 KiB and handshakes/s, ws101 beside Kestrel
# over TLS (bench/server/kestrel-tls), default and inline, and ws101 over plain ws:// in the same rounds; its load generator
# is bench/server/tlsload.c (C, OpenSSL; built there) and it makes its own self-signed certificate. Its table comes last.
# BASELINE_BIN=/path/to/Ws101.Cli adds that build as "ws101_before" (port 19012, tls 19112) to the same run, for a
# before/after comparison; the ratios are then printed for ws101 and for ws101_before against the same anchors.
# Uses the shared load generator and anchors (../shared/wsbench beside the project, or WSBENCH_DIR).
# The echo points are also drawn as server CPU per message by size, one line per server ($OUT/cpu-by-size.png, with
# its table in cpu-by-size.md; bench/server/CpuPlot).
# "floor" is bench/server/floor.c (C, one thread, epoll, nothing but parse, unmask and echo): the least a WebSocket
# echo costs on this machine and kernel, run beside the others so that ws101's distance to it is measured, not guessed
# (FLOOR=0 leaves it out). Full mode warms each point for BENCH_WARM seconds (8).
# The paired part (bench/server/paired.sh) measures the echo points again with every server up at once and measured back
# to back, point by point, and prints per-round ratios: on a machine whose speed drifts over minutes those compare like
# with like, where the matrix measures one server after another, minutes apart (about 3 minutes per round full, 1.5
# quick). paired-tls does the same for the wss:// echo points of the tls part (about 2.5 minutes per round full). Both are
# in the default parts, so that one run prints the small-message and wss:// ratios in both forms (docs/performance.md,
# session 18: the matrix's 20 B ratio moved from 0.82x to 0.66x between two runs of the same build; the paired one, 0.64-0.65x).
# Everything runs on 127.0.0.1 and every step is bounded in time. About 8 minutes per round for the
# full matrix (3 servers and the floor), 4 for tls and 5.5 for the two paired parts; about 6 + 2 + 3 with --quick.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WSB="${WSBENCH_DIR:-$ROOT/../shared/wsbench}"
ROUNDS=3 QUICK="" PARTS="echo,big,hs,idle,tls,paired,paired-tls"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK="-q" ;;
    --parts) PARTS="$2"; shift ;;
    [0-9]*) ROUNDS="$1" ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
  shift
done
[ -d "$WSB" ] || { echo "no wsbench folder at $WSB (set WSBENCH_DIR)" >&2; exit 2; }
BUILD="${BENCH_BUILD:-/tmp/ws101-bench-build}"
OUT="${BENCH_OUT:-/tmp/ws101-bench-results/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$BUILD" "$OUT"

# The parts the shared matrix runs (everything but tls and paired), and whether tls and paired run.
WS_PARTS=$(echo ",$PARTS," | sed 's/,tls,/,/g; s/,paired,/,/g; s/,paired-tls,/,/g; s/^,//; s/,$//')
case ",$PARTS," in *,tls,*) TLS=1 ;; *) TLS=0 ;; esac
case ",$PARTS," in *,paired,*) PAIRED=1 ;; *) PAIRED=0 ;; esac
case ",$PARTS," in *,paired-tls,*) PAIRED_TLS=1 ;; *) PAIRED_TLS=0 ;; esac

echo "== publishing ws101 (Release)"
dotnet publish "$ROOT/src/Ws101.Cli" -c Release -o "$BUILD/ws101" --nologo -v q > "$BUILD/publish.log" 2>&1 || { cat "$BUILD/publish.log"; exit 1; }

if [ -n "$WS_PARTS" ] || [ "$PAIRED" = 1 ]; then
  echo "== building the load generator and the Kestrel anchor into $BUILD"
  if [ ! -x "$BUILD/anchors/kestrel/KestrelEcho" ] || [ ! -x "$BUILD/anchors/wsbench" ]; then
    "$WSB/build-anchors.sh" "$BUILD/anchors" > "$BUILD/anchors.log" 2>&1 || { cat "$BUILD/anchors.log"; exit 1; }
  fi
  cat > "$BUILD/servers.txt" <<SERVERS
kestrel|19002|$BUILD/anchors/kestrel/KestrelEcho 19002
kestrel_inline|19006|env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 $BUILD/anchors/kestrel/KestrelEcho 19006
ws101|19010|$BUILD/ws101/Ws101.Cli serve --port 19010 --quiet
SERVERS
  if [ "${FLOOR:-1}" = 1 ]; then
    # The machine's floor (bench/server/floor.c): the least a WebSocket echo can cost here, beside the servers.
    "$ROOT/bench/server/need-gcc-openssl.sh" "floor (FLOOR=0 leaves it out)" "$BUILD/apt.log" || exit 1
    gcc -O2 -Wall -Wextra -o "$BUILD/floor" "$ROOT/bench/server/floor.c" -lcrypto || { echo "compiling bench/server/floor.c failed" >&2; exit 1; }
    echo "floor|19014|$BUILD/floor 19014" >> "$BUILD/servers.txt"
  fi
  if [ -n "${BASELINE_BIN:-}" ]; then
    [ -x "$BASELINE_BIN" ] || { echo "BASELINE_BIN=$BASELINE_BIN is not an executable" >&2; exit 2; }
    echo "ws101_before|19012|$BASELINE_BIN serve --port 19012 --quiet" >> "$BUILD/servers.txt"
  fi

  # Kestrel's anchor echoes on any path; ws101 serves its echo on /echo.
  export WSBENCH="$BUILD/anchors/wsbench" WS_PATH=/echo
fi

if [ -n "$WS_PARTS" ]; then
  echo "== $ROUNDS interleaved round(s), parts $WS_PARTS ${QUICK:+(quick)}; results in $OUT"
  # Full mode warms each point for BENCH_WARM seconds (8) instead of the matrix's 3: on one pinned core the JIT's tier-up
  # of the handshake path competes with the handshakes themselves, and 5 s of them was not always enough for it to
  # settle (docs/performance.md, "Handshakes: two modes"). Quick mode keeps the matrix's 2 s.
  WARM_ARGS=""
  [ -z "$QUICK" ] && WARM_ARGS="-w ${BENCH_WARM:-8}"
  "$WSB/run-all.sh" "$BUILD/servers.txt" "$ROUNDS" "$OUT" -- $QUICK $WARM_ARGS -s "$WS_PARTS" > "$OUT/run.log" 2>&1 || true
  cat "$OUT/table.txt"
  echo
  python3 "$ROOT/bench/server/ratios.py" "$OUT"
  if [ -n "${BASELINE_BIN:-}" ]; then
    echo
    python3 "$ROOT/bench/server/ratios.py" "$OUT" ws101 ws101_before
  fi
  if [ "${FLOOR:-1}" = 1 ]; then
    echo
    echo "ws101 against the machine's floor (bench/server/floor.c; below 1.0: what ws101 costs above it)"
    python3 "$ROOT/bench/server/ratios.py" "$OUT" ws101 floor
  fi
  case ",$WS_PARTS," in
    *,echo,*|*,big,*)
      echo
      echo "== server CPU per echoed message by size (bench/server/CpuPlot): $OUT/cpu-by-size.png"
      dotnet build "$ROOT/bench/server/CpuPlot" -c Release -o "$BUILD/cpuplot" --nologo -v q > "$BUILD/cpuplot.log" 2>&1 || { cat "$BUILD/cpuplot.log"; exit 1; }
      "$BUILD/cpuplot/CpuPlot" "$OUT" "$OUT/cpu-by-size.png" "Server CPU per echoed message, $(date -u +%Y-%m-%d), $ROUNDS round(s)${QUICK:+, quick}" | tee "$OUT/cpu-by-size.md"
      ;;
  esac
fi

if [ "$PAIRED" = 1 ]; then
  echo
  "$ROOT/bench/server/paired.sh" "$BUILD/servers.txt" "$ROUNDS" "$OUT/paired" ${QUICK:+--quick} | grep -v '^  round '
fi

if [ "$TLS" = 1 ]; then
  echo
  echo "== tls: $ROUNDS interleaved round(s) ${QUICK:+(quick)}; results in $OUT/tls"
  "$ROOT/bench/server/tls.sh" "$BUILD" "$OUT/tls" "$ROUNDS" ${QUICK:+--quick} 2>&1 | tee "$OUT/tls-run.log" | grep -E '^(==|  [a-z_0-9]+: )' || true
  echo
  echo "== wss:// (TLS 1.3; load: bench/server/tlsload; ws101_ws is ws101 over plain ws:// with the same load generator)"
  python3 "$WSB/summarize.py" "$OUT/tls" | tee "$OUT/tls/table.txt"
  python3 "$WSB/summarize.py" --md "$OUT/tls" > "$OUT/tls/table.md"
  echo
  python3 "$ROOT/bench/server/ratios.py" --tls "$OUT/tls" ws101 kestrel kestrel_inline
  echo
  echo "wss:// against ws:// (ws101_ws / ws101: above 1.0 means TLS costs ws101 that much more)"
  python3 "$ROOT/bench/server/ratios.py" --tls "$OUT/tls" ws101_ws ws101
  if [ -n "${BASELINE_BIN:-}" ]; then
    echo
    python3 "$ROOT/bench/server/ratios.py" --tls "$OUT/tls" ws101 ws101_before
  fi
fi

if [ "$PAIRED_TLS" = 1 ]; then
  echo
  echo "== wss:// paired: the tls part's echo points with every server up at once; results in $OUT/paired-tls"
  "$ROOT/bench/server/tls.sh" "$BUILD" "$OUT/paired-tls" "$ROUNDS" ${QUICK:+--quick} --paired 2>&1 | tee "$OUT/paired-tls-run.log" \
    | grep -v '^  round ' || true
fi
