#!/usr/bin/env bash
# bench/client/run.sh - the client bench: Ws101's WebSocketClient (on .NET's sockets, its default, and with
# UseEventLoop) beside .NET's ClientWebSocket, what each costs its own process in CPU per echoed message (20 B, 1 KiB,
# 16 KiB, 1 MiB; 16 connections, and one) and per connection opened and closed, against one C echo server
# (bench/server/floor.c, the least a server costs here) pinned to CPU 0, each measurement a fresh client process pinned
# to CPU 1, the three clients in rotating order within every round. Prints each measurement and a table of medians with
# each ws101 client's per-round ratio to ClientWebSocket.
#
#   bench/client/run.sh [ROUNDS (5)] [--quick]
#
# Full mode: 2 s of warm-up and 5 s measured per run, about 15 minutes for 5 rounds; --quick: 1 s and 2 s.
# Everything runs on 127.0.0.1; every child is bounded in time. Needs gcc and the OpenSSL headers for the floor
# (installed through apt-get when run as root).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROUNDS=5 WARM=2 SECONDS_PER_RUN=5
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) WARM=1 SECONDS_PER_RUN=2 ;;
    [0-9]*) ROUNDS="$1" ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
  shift
done
BUILD="${BENCH_BUILD:-/tmp/ws101-client-bench}"
mkdir -p "$BUILD"

"$ROOT/bench/server/need-gcc-openssl.sh" "the client bench's server (bench/server/floor.c)" "$BUILD/apt.log"
gcc -O2 -Wall -Wextra -o "$BUILD/floor" "$ROOT/bench/server/floor.c" -lcrypto
dotnet build "$ROOT/bench/client/ClientEcho" -c Release -v q --nologo -o "$BUILD/ClientEcho" > "$BUILD/build.log" 2>&1 \
  || { cat "$BUILD/build.log"; exit 1; }

FLOOR_PID=""
stop_floor() {
  if [ -n "$FLOOR_PID" ]; then
    kill "$FLOOR_PID" 2>/dev/null || true
    wait "$FLOOR_PID" 2>/dev/null || true
  fi
}
trap stop_floor EXIT
PIN=""; command -v taskset > /dev/null && PIN="taskset -c 0"
$PIN "$BUILD/floor" 0 > "$BUILD/floor.log" 2>&1 &
FLOOR_PID=$!
PORT=""
for _ in $(seq 1 50); do
  PORT=$(sed -n 's/^floor: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$BUILD/floor.log")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "the floor server did not start: $(cat "$BUILD/floor.log")" >&2; exit 1; }

dotnet "$BUILD/ClientEcho/ClientEcho.dll" run "$PORT" "$ROUNDS" "$SECONDS_PER_RUN" "$WARM"
