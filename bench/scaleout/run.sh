#!/usr/bin/env bash
# bench/scaleout/run.sh - the scale-out scenarios of docs/topics.md, each one command:
#
#   bench/scaleout/run.sh h2h   [--subscribers 50] [--rate 500] [--seconds 20] [--crash-at 8] [--down 2] [--systems ws101,ws101-history,ws101-backlog,signalr]
#       Ws101 topics (without and with --history, and with --redis-backlog: --backlog SECONDS, default 30) and ASP.NET Core SignalR with its Redis backplane: three nodes each on
#       one Redis, subscribers on every node, a publisher at a fixed rate on the first, Redis killed with SIGKILL in the
#       middle and started again: delivered/s, latency p50/p99, what was lost, what each system knew, what came back.
#   bench/scaleout/run.sh nodes [--nodes 1,2,3,4,5,6,7,8,9,10] [--subscribers 10000] [--rate 10] [--seconds 10]
#       1 to 10 ws101 serve nodes on 127.0.0.11.., one Redis, 10,000 subscribers spread over them, one publisher at a
#       fixed rate: latency p50/p99/max and delivered rate per node count, and a plot (nodes.png).
#
# Results go to $OUT (default /tmp/ws101-scaleout): h2h.md, nodes.md, nodes.png. Needs redis-server (apt-get install
# redis-server). Everything runs on 127.0.0.x, each child is stopped by its own pid, every step is bounded in time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODE="${1:-}"
case "$MODE" in h2h|nodes) shift ;; *) sed -n '2,15p' "$0"; exit 2 ;; esac
BUILD="${BENCH_BUILD:-/tmp/ws101-scaleout-bench}"
OUT="${OUT:-/tmp/ws101-scaleout}"
mkdir -p "$BUILD" "$OUT"
command -v redis-server >/dev/null || { echo "redis-server is missing (apt-get install redis-server)" >&2; exit 1; }
ulimit -n 20000 2>/dev/null || true

echo "== building ws101, the SignalR node and the bench driver into $BUILD"
publish() { # PROJECT DIR
  dotnet publish "$1" -c Release -o "$2" --nologo -v q > "$2.log" 2>&1 || { cat "$2.log"; exit 1; }
}
publish "$ROOT/src/Ws101.Cli" "$BUILD/ws101"
publish "$ROOT/bench/scaleout/ScaleBench" "$BUILD/scalebench"
ARGS=(--ws101 "$BUILD/ws101/Ws101.Cli" --out "$OUT")
if [ "$MODE" = h2h ]; then
  publish "$ROOT/bench/scaleout/SignalRNode" "$BUILD/signalr"
  ARGS+=(--signalr "$BUILD/signalr/SignalRNode")
fi
timeout 3600 "$BUILD/scalebench/ScaleBench" "$MODE" "${ARGS[@]}" "$@"
